/**
 * Several scenarios spread over worker threads, one scenario at a time per worker, results
 * in the order of the scenarios. Each worker loads the TypeScript sources through tsx, so
 * it works the same under `tsx` and under bin/cuff.js. One job runs them in this thread.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { HardwareProfile } from "../../profile.ts";
import type { Scenario } from "../scenario.ts";
import type { HostSilencePolicy } from "../../../firmware/core/controller.ts";
import { type BenchOptions, type BenchResult, runScenario } from "./run-scenario.ts";
import { TraceWriter } from "./trace.ts";

export interface ParallelOptions {
  profile: HardwareProfile;
  /** Worker threads (default: the machine's cores). */
  jobs?: number;
  hostSilence?: HostSilencePolicy;
  /** A plan's LOP (a number) is one the firmware already measured (BenchOptions.lopConfirmed). */
  lopConfirmed?: boolean;
  /** Where each scenario's trace goes (null or absent: no trace). */
  tracePathOf?: (scenario: Scenario, index: number) => string | null;
  /** Called as each scenario finishes, in the order they finish. */
  onResult?: (result: BenchResult, index: number) => void;
  /** A fault to inject when the scenario's session first enters a phase (none: undefined). */
  faultOf?: (scenario: Scenario, index: number) => FaultOnPhase | undefined;
}

export type FaultOnPhase = NonNullable<BenchOptions["faultOnPhase"]>;

/** A trace that could not be written: the run goes on; this says which and why. */
export interface TraceFailure {
  index: number;
  message: string;
  keptUpToSeconds: number | null;
}

export interface ScenarioJob {
  index: number;
  scenario: Scenario;
  tracePath: string | null;
  faultOnPhase?: FaultOnPhase;
}

export interface JobOutcome {
  index: number;
  result?: BenchResult;
  error?: string;
  traceFailure?: TraceFailure;
}

export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** Runs one job here: the worker's body, and the single-job path. */
export async function runJob(job: ScenarioJob, profile: HardwareProfile, hostSilence?: HostSilencePolicy, lopConfirmed = false): Promise<JobOutcome> {
  let traceFailure: TraceFailure | undefined;
  try {
    const trace = job.tracePath
      ? new TraceWriter(job.tracePath, (failure, keptUpToSeconds) => {
          traceFailure = { index: job.index, message: failure.message, keptUpToSeconds };
        })
      : null;
    const result = await runScenario(job.scenario, {
      profile,
      ...(trace ? { onTrace: (row) => trace.write(row) } : {}),
      ...(hostSilence ? { hostSilence } : {}),
      ...(lopConfirmed ? { lopConfirmed } : {}),
      ...(job.faultOnPhase ? { faultOnPhase: job.faultOnPhase } : {}),
    });
    trace?.close();
    return { index: job.index, result, ...(traceFailure ? { traceFailure } : {}) };
  } catch (error) {
    return { index: job.index, error: (error as Error).message };
  }
}

/** Every scenario's outcome, in the scenarios' order. */
export async function runScenariosParallel(scenarios: readonly Scenario[], options: ParallelOptions): Promise<JobOutcome[]> {
  const jobs: ScenarioJob[] = scenarios.map((scenario, index) => {
    const faultOnPhase = options.faultOf?.(scenario, index);
    return { index, scenario, tracePath: options.tracePathOf?.(scenario, index) ?? null, ...(faultOnPhase ? { faultOnPhase } : {}) };
  });
  const outcomes: JobOutcome[] = new Array(jobs.length);
  const settle = (outcome: JobOutcome) => {
    outcomes[outcome.index] = outcome;
    if (outcome.result) options.onResult?.(outcome.result, outcome.index);
  };
  const workers = Math.min(jobs.length, Math.max(1, Math.floor(options.jobs ?? defaultJobs())));
  if (workers <= 1) {
    for (const job of jobs) settle(await runJob(job, options.profile, options.hostSilence, options.lopConfirmed));
    return outcomes;
  }
  let next = 0;
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(WORKER_BOOT, { eval: true, workerData: { entry: WORKER_ENTRY, tsx: TSX_API, profile: options.profile, hostSilence: options.hostSilence ?? null, lopConfirmed: options.lopConfirmed === true } });
      const feed = () => {
        const job = jobs[next++];
        if (job) worker.postMessage(job);
        else void worker.terminate().then(() => resolve());
      };
      worker.on("message", (message: JobOutcome | "ready") => {
        if (message !== "ready") settle(message);
        feed();
      });
      worker.on("error", reject);
    });
  await Promise.all(Array.from({ length: workers }, runWorker));
  return outcomes;
}

const WORKER_ENTRY = new URL("./scenario-worker.ts", import.meta.url).href;
const TSX_API = import.meta.resolve("tsx/esm/api");
/** The worker registers tsx, then loads the TypeScript worker body. */
const WORKER_BOOT = `const { workerData } = require("node:worker_threads");
import(workerData.tsx).then((api) => { api.register(); return import(workerData.entry); });`;
