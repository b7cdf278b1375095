/**
 * The bench plays the person and their phone: the host is a CuffClient that
 * zeroes the cuff, starts the plan and records what the cuff says; the person is
 * the simulated athlete. Driven step by step with the simulation.
 */
import { type CuffEvent, CuffClient } from "../../../host/client/client.ts";
import { NackError } from "../../../host/client/errors.ts";
import type { Clock } from "../../../shared/clock.ts";
import type { Limb, Plan } from "../../../shared/plan.ts";
import type { SessionSummary } from "../../../shared/protocol/messages.ts";
import { SimulatedAthlete } from "../athlete.ts";
import type { CuffPlant } from "../plant.ts";
import type { SteppedLink } from "../stepped-link.ts";

export type SimHostOutcome = "running" | "finished" | "refused" | "faulted";

export class SimulatedHost {
  outcome: SimHostOutcome = "running";
  readonly events: CuffEvent[] = [];
  summary: SessionSummary | null = null;
  refusal: string | null = null;
  lopMeasuredMmhg: number | null = null;
  lopReason: string | null = null;
  private startRequested = false;

  private constructor(
    private readonly client: CuffClient,
    private readonly link: SteppedLink,
    private readonly plan: Plan,
    private readonly limb: Limb,
    readonly athlete: SimulatedAthlete,
  ) {
    client.events$.subscribe((e) => this.receive(e));
  }

  /** Connects through the stepped link (delivering its frames until the hello and first status are through), then zeroes the cuff. */
  static async open(options: { link: SteppedLink; clock: Clock; plant: CuffPlant; plan: Plan; limb: Limb; random: () => number }): Promise<SimulatedHost> {
    const { link, clock } = options;
    let opened: CuffClient | null = null;
    let failed: Error | null = null;
    CuffClient.open({ connect: link.connect, clock, instance: "bench", label: "the simulated cuff", reconnect: false }).then(
      (client) => (opened = client),
      (error: Error) => (failed = error),
    );
    while (!opened && !failed) {
      link.deliver();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (failed) throw failed;
    const client = opened!;
    const host = new SimulatedHost(client, link, options.plan, options.limb, new SimulatedAthlete(client, options.plant, clock, options.random));
    client.zero().catch((error: Error) => host.refused(error));
    return host;
  }

  get repsDonePerSet(): number[] {
    return this.athlete.repsDonePerSet;
  }

  /** The host process dies or the phone sleeps: nothing more is sent. */
  goSilent(): void {
    this.link.muteHost();
  }

  async close(): Promise<void> {
    this.athlete.dispose();
    await this.client.close();
  }

  private receive(e: CuffEvent): void {
    this.events.push(e);
    switch (e.type) {
      case "state":
        if (e.cause === "zeroed" && !this.startRequested) {
          this.startRequested = true;
          this.client.startSession(this.limb, this.plan).catch((error: Error) => this.refused(error));
        } else if (e.cause === "zero-failed") {
          this.outcome = "refused";
          this.refusal = e.reason;
        } else if (e.to === "fault") {
          this.outcome = "faulted";
        }
        break;
      case "lop-result":
        if (e.ok) this.lopMeasuredMmhg = e.mmhg;
        this.lopReason = e.reason;
        break;
      case "summary":
        this.summary = e.summary;
        if (this.outcome === "running") this.outcome = e.summary.ok ? "finished" : "faulted";
        break;
    }
  }

  private refused(error: Error): void {
    if (!(error instanceof NackError)) return;
    this.refusal = `${error.reason}: ${error.detail}`;
    if (this.outcome === "running" && !this.summary) this.outcome = "refused";
  }
}
