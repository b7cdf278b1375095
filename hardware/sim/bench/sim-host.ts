/**
 * The bench plays the person and their phone: a simulated host that speaks
 * the cuff link (hello, zero, start the plan, heartbeats, "set done") and a
 * simulated athlete who starts each set when told, after a human reaction
 * delay, and does the plan's reps at the scenario's cadence.
 */
import type { CuffPlant } from "../plant.ts";
import type { Limb, Plan } from "../../../shared/plan.ts";
import { decodeFirmwareFrame, encodeFrame } from "../../../shared/protocol/framing.ts";
import { SCHEMA_FINGERPRINT } from "../../../shared/protocol/fingerprint.ts";
import { type FirmwareMessage, type HostBody, PROTOCOL_VERSION } from "../../../shared/protocol/messages.ts";
import { SequenceCounter } from "../../../shared/protocol/sequence.ts";
import { LineSplitter } from "../../../firmware/link/line-splitter.ts";
import type { Wire } from "../../../firmware/link/wire.ts";

export interface SimHostOptions {
  plan: Plan;
  limb: Limb;
  toFirmware: Wire;
  fromFirmware: Wire;
  plant: CuffPlant;
  /** Deterministic 0..1 random source (the scenario's seed). */
  random: () => number;
  heartbeatSeconds?: number;
}

export type SimHostOutcome = "running" | "finished" | "refused" | "faulted";

const HEARTBEAT_SECONDS = 0.5;
/** People take a moment to start once the cuff says "go" (0.5-1.2 s). */
const REACTION_MIN_SECONDS = 0.5;
const REACTION_SPREAD_SECONDS = 0.7;
/** After the last rep, the person taps "set done" about a second later. */
const SET_DONE_DELAY_SECONDS = 1.0;

export class SimulatedHostAndAthlete {
  private readonly seq = new SequenceCounter();
  private readonly splitter = new LineSplitter();
  private readonly inbox: FirmwareMessage[] = [];
  private readonly outbox: string[] = [];
  private lastHeartbeat = -Infinity;
  private silent = false;
  private said = { hello: false, zero: false, start: false };
  private setStartAt: number | null = null;
  private setReps = 0;
  private athleteActive = false;
  private setDoneAt: number | null = null;
  outcome: SimHostOutcome = "running";
  readonly events: FirmwareMessage[] = [];
  summary: Extract<FirmwareMessage, { type: "summary" }>["summary"] | null = null;
  refusal: string | null = null;
  lopMeasuredMmhg: number | null = null;
  /** Ground truth: reps the athlete actually did, per set. */
  readonly repsDonePerSet: number[] = [];

  constructor(private readonly options: SimHostOptions) {
    options.fromFirmware.on("data", (chunk) =>
      this.splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk, (event) => {
        if (event.kind !== "line") return;
        // This host shows no display, so it need not check and parse telemetry (20 frames a second).
        if (isTelemetryFrame(event.bytes)) return;
        const decoded = decodeFirmwareFrame(event.bytes);
        if (decoded.ok) this.inbox.push(decoded.message);
      }),
    );
  }

  /** The host process dies or the phone sleeps: nothing more is sent. */
  goSilent(): void {
    this.silent = true;
  }

  /** One step of the person and the host, after the firmware has run. */
  step(t: number): void {
    for (const message of this.inbox.splice(0)) this.receive(t, message);
    this.actAthlete(t);
    if (!this.silent) {
      if (!this.said.hello) {
        this.said.hello = true;
        this.send({ type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: SCHEMA_FINGERPRINT, software: "bench host", instance: "bench" });
      }
      if (t - this.lastHeartbeat >= (this.options.heartbeatSeconds ?? HEARTBEAT_SECONDS)) {
        this.lastHeartbeat = t;
        this.send({ type: "heartbeat" });
      }
      if (this.setDoneAt !== null && t >= this.setDoneAt) {
        this.setDoneAt = null;
        this.send({ type: "set-done", cuff: 0 });
      }
    }
    for (const frame of this.outbox.splice(0)) this.options.toFirmware.write(frame);
  }

  private receive(t: number, message: FirmwareMessage): void {
    if (message.type !== "ack" && message.type !== "hello") this.events.push(message);
    switch (message.type) {
      case "hello":
        if (!this.said.zero && !this.silent) {
          this.said.zero = true;
          this.send({ type: "zero", cuff: 0 });
        }
        break;
      case "state":
        if (message.to === "vented" && message.reason.startsWith("zeroed") && !this.said.start && !this.silent) {
          this.said.start = true;
          this.send({ type: "start-session", cuff: 0, limb: this.options.limb, plan: this.options.plan });
        } else if (message.to === "vented" && message.reason.startsWith("zeroing failed")) {
          this.outcome = "refused";
          this.refusal = message.reason;
        } else if (message.to === "fault") {
          this.outcome = "faulted";
          this.stopAthlete();
        }
        break;
      case "nack":
        this.refusal = `${message.reason}: ${message.detail}`;
        if (this.outcome === "running" && this.said.start && !this.summary) this.outcome = "refused";
        break;
      case "phase":
        if (message.phase === "set") {
          this.setReps = message.reps ?? Number.POSITIVE_INFINITY;
          this.setStartAt = t + REACTION_MIN_SECONDS + REACTION_SPREAD_SECONDS * this.options.random();
          this.setDoneAt = null;
        } else {
          this.stopAthlete();
        }
        break;
      case "lop-result":
        if (message.ok) this.lopMeasuredMmhg = message.mmhg;
        break;
      case "summary":
        this.summary = message.summary;
        if (this.outcome === "running") this.outcome = message.summary.ok ? "finished" : "faulted";
        this.stopAthlete();
        break;
    }
  }

  private actAthlete(t: number): void {
    const plant = this.options.plant;
    if (this.setStartAt !== null && t >= this.setStartAt) {
      this.setStartAt = null;
      // Continuous and cycle plans have no reps: the person walks or cycles; no contraction model.
      if (Number.isFinite(this.setReps) && this.setReps > 0) {
        plant.beginSet(this.setReps);
        this.athleteActive = true;
      }
    }
    if (this.athleteActive && plant.repsDone() >= this.setReps) {
      this.athleteActive = false;
      this.repsDonePerSet.push(plant.repsDone());
      this.setDoneAt = t + SET_DONE_DELAY_SECONDS;
    }
  }

  private stopAthlete(): void {
    this.setStartAt = null;
    this.setDoneAt = null;
    if (this.athleteActive) {
      this.athleteActive = false;
      this.repsDonePerSet.push(this.options.plant.repsDone());
      this.options.plant.endSet();
    }
  }

  private send(body: HostBody): void {
    this.outbox.push(encodeFrame({ v: PROTOCOL_VERSION, seq: this.seq.take(), ...body } as never));
  }
}

const TELEMETRY_MARK = Buffer.from(',"type":"telemetry"');

/** Frames start {"v":1,"seq":N,"type":...: a cheap look at the type without decoding. */
function isTelemetryFrame(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 48)).includes(TELEMETRY_MARK);
}
