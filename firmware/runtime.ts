/**
 * The control loop around one CuffController: every board sample runs
 * estimate -> supervise -> control -> actuate -> publish, and sends the guard's
 * keep-alive from inside the loop (a stuck loop stops the keep-alive, and the
 * board vents on its own).
 */
import { type HardwareProfile, mmhgToCounts, secondaryMmhgToCounts } from "../hardware/profile.ts";
import type { Clock, Cancellable } from "../shared/clock.ts";
import { GuardReason } from "../shared/guard.ts";
import type { FirmwareBody, HostMessage } from "../shared/protocol/messages.ts";
import type { CuffBoard, PressureSample } from "./board/board.ts";
import type { CommandResult, CuffController } from "./core/controller.ts";
import type { DistalPulseTrace } from "./core/distal/trace.ts";
import { distalTelemetry, eventMessage, statusMessage, telemetryMessage } from "./link/wire-adapter.ts";

/** What a guard trip means, by its reason. */
const GUARD_TRIP_CAUSE: Partial<Record<number, string>> = {
  [GuardReason.OVERPRESSURE]: "overpressure on the board's own reading",
  [GuardReason.OVERPRESSURE_SECONDARY]: "overpressure on the board's second pressure sensor",
  [GuardReason.KEEPALIVE_LOST]: "keep-alive lost",
};

/** Telemetry every 5th sample: 20 Hz at the board's 100 Hz. */
const TELEMETRY_EVERY_SAMPLES = 5;
/**
 * No sample for this long means the board or sensor path is gone. A busy computer delays samples
 * crossing processes by up to 0.2 s; the board's own guard vents at its 300 ms keep-alive deadline
 * whatever this side does, since keep-alives go out only with samples.
 */
const STALE_SAMPLE_SECONDS = 0.25;
const STALE_CHECK_SECONDS = 0.02;

export type Publisher = (message: FirmwareBody) => void;

export class FirmwareRuntime {
  private readonly publishers = new Set<Publisher>();
  private readonly unsubscribe: (() => void)[] = [];
  private samples = 0;
  private lastSampleSeconds: number | null = null;
  private staleTimer: Cancellable | null = null;
  private staleReported = false;
  private lastStaleCheckSeconds: number | null = null;
  private stopped = false;
  /** Fault injection: a hung control loop ignores samples (and so stops the keep-alive). */
  private hung = false;

  constructor(
    readonly controller: CuffController,
    private readonly board: CuffBoard,
    private readonly clock: Clock,
    private readonly profile: HardwareProfile,
    /** The distal pulse sensor's trace, on a build with one: fed with the samples' distal counts (the LOP reads it). */
    readonly distalTrace: DistalPulseTrace | null = null,
  ) {}

  start(): void {
    // The guard is armed at connect: from here a stuck loop or a dead link vents the cuff.
    const { keepAliveDeadlineMs, tripMmhg } = this.profile.guard;
    this.board.configureGuard(keepAliveDeadlineMs, mmhgToCounts(this.profile, tripMmhg), secondaryMmhgToCounts(this.profile, tripMmhg) ?? undefined);
    this.board.setPump(0);
    this.board.setVent(1);
    this.unsubscribe.push(this.board.onSample((sample) => this.onSample(sample)));
    this.unsubscribe.push(
      this.board.onGuard((event) => {
        if (event.kind === "tripped") {
          const why = GUARD_TRIP_CAUSE[event.reason] ?? "keep-alive lost";
          this.controller.boardFault(this.clock.nowSeconds(), "guard-tripped", `the board's guard tripped (${why}) and vented the cuff`);
          this.flushEvents();
        }
      }),
    );
    this.unsubscribe.push(
      this.board.onLost((reason) => {
        this.controller.boardFault(this.clock.nowSeconds(), "board-lost", `lost the board: ${reason}`);
        this.flushEvents();
      }),
    );
    this.scheduleStaleCheck();
  }

  stop(): void {
    this.stopped = true;
    this.staleTimer?.cancel();
    for (const off of this.unsubscribe.splice(0)) off();
    this.board.setPump(0);
    this.board.setVent(1);
  }

  /** Simulates a firmware process that stops running its loop (for fault tests). */
  hang(): void {
    this.hung = true;
  }

  isHung(): boolean {
    return this.hung;
  }

  subscribe(publisher: Publisher): () => void {
    this.publishers.add(publisher);
    return () => this.publishers.delete(publisher);
  }

  command(message: HostMessage): CommandResult {
    const result = this.controller.command(message, this.clock.nowSeconds());
    this.flushEvents();
    return result;
  }

  /** The status reply to the host's request `ref`. */
  status(ref: number): FirmwareBody {
    return statusMessage(this.controller.snapshot(this.clock.nowSeconds()), this.controller.cuff, ref);
  }

  hostHeard(): void {
    this.controller.hostHeard(this.clock.nowSeconds());
  }

  nowSeconds(): number {
    return this.clock.nowSeconds();
  }

  private onSample(sample: PressureSample): void {
    if (this.stopped || this.hung) return;
    this.lastSampleSeconds = sample.tSeconds;
    this.staleReported = false;
    if (sample.distalCounts) {
      this.controller.distal.update(sample.tSeconds, sample.distalCounts, this.controller.telemetryPressure());
      this.distalTrace?.push(sample.tSeconds, sample.distalCounts);
    }
    const actuation = this.controller.tick(sample.tSeconds, sample.counts, sample.secondaryCounts);
    this.board.setPump(actuation.pump);
    this.board.setVent(actuation.vent);
    this.board.keepAlive();
    this.samples++;
    if (this.samples % TELEMETRY_EVERY_SAMPLES === 0) {
      const telemetry = telemetryMessage(this.controller.snapshot(sample.tSeconds), this.controller.cuff);
      this.publish({ ...telemetry, ...distalTelemetry(this.controller.mode, this.distalTrace, sample.tSeconds) });
    }
    this.flushEvents();
  }

  private scheduleStaleCheck(): void {
    this.staleTimer = this.clock.schedule(STALE_CHECK_SECONDS, () => {
      if (this.stopped) return;
      const now = this.clock.nowSeconds();
      const last = this.lastSampleSeconds;
      // A check that runs late means this process itself was held up (a busy or suspended
      // computer): the samples that arrived meanwhile are still queued, and a process reads
      // its due timers before its input. Judge on the next check, once they are read.
      const checkedAt = this.lastStaleCheckSeconds;
      this.lastStaleCheckSeconds = now;
      const heldUp = checkedAt !== null && now - checkedAt > STALE_CHECK_SECONDS + STALE_SAMPLE_SECONDS / 2;
      if (!this.hung && !heldUp && last !== null && now - last > STALE_SAMPLE_SECONDS && !this.staleReported) {
        this.staleReported = true;
        this.controller.boardFault(now, "sensor-stale", `no pressure sample for ${(now - last).toFixed(2)} s`);
        this.board.setPump(0);
        this.board.setVent(1);
        this.flushEvents();
      }
      this.scheduleStaleCheck();
    });
  }

  private flushEvents(): void {
    for (const event of this.controller.drainEvents()) this.publish(eventMessage(event, this.controller.cuff));
  }

  private publish(message: FirmwareBody): void {
    for (const publisher of this.publishers) publisher(message);
  }
}
