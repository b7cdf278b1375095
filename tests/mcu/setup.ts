/**
 * Shared by the tests/mcu files: the toolchain gate (skip loudly without it,
 * fail under CI), the build, and a byte-level Firmata host for the simulated AVR.
 */
import { describe, it } from "vitest";
import { SimavrBoard, type PressureSource } from "../../hardware/sim/mcu/simavr-board.ts";
import { buildFirmware, missingToolchain, type BuildResult } from "../../hardware/sim/mcu/toolchain.ts";
import { GUARD_SYSEX, decodeGuardStatus, decodeGuardTripped, encodeGuardConfigure, type GuardStatus } from "../../shared/guard.ts";

const missing = missingToolchain();

/** describe() when the AVR toolchain and simavr are installed; otherwise a loud skip, or a failure under CI. */
export function describeMcu(name: string, body: () => void): void {
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const message = `AVR toolchain missing (${missing.join(", ")}): run scripts/install-test-tools.sh`;
  if (process.env.CI === "true" || process.env.CI === "1") {
    describe(name, () => {
      it("has the AVR toolchain and simavr installed", () => {
        throw new Error(message);
      });
    });
    return;
  }
  console.warn(`\n*** tests/mcu SKIPPED: ${message} ***\n`);
  describe.skip(name, body);
}

let built: BuildResult | null = null;
export function ensureBuilt(): BuildResult {
  built ??= buildFirmware();
  return built;
}

export type BoardMessage =
  | { kind: "version"; t: number; major: number; minor: number }
  | { kind: "analog"; t: number; channel: number; value: number }
  | { kind: "digital"; t: number; port: number; value: number }
  | { kind: "sysex"; t: number; id: number; data: number[] };

/** The simulated AVR with a raw Firmata host on its UART. */
export class RawRig {
  readonly messages: BoardMessage[] = [];
  private partial: number[] = [];

  constructor(readonly sim: SimavrBoard) {
    sim.port.on("data", (chunk: Buffer) => {
      for (const byte of chunk) this.take(byte);
    });
  }

  static async booted(source?: PressureSource): Promise<RawRig> {
    ensureBuilt();
    const rig = new RawRig(new SimavrBoard(source ? { source } : {}));
    await rig.sim.advance(0.005);
    return rig;
  }

  send(...bytes: number[]): void {
    this.sim.port.write(Buffer.from(bytes));
  }

  guard(payload: number[]): void {
    this.send(0xf0, GUARD_SYSEX, ...payload, 0xf7);
  }

  configure(deadlineMs: number, tripCounts: number, secondaryTripCounts?: number): void {
    this.guard(encodeGuardConfigure(deadlineMs, tripCounts, secondaryTripCounts));
  }

  statuses(): Array<GuardStatus & { t: number }> {
    return this.sysex(GUARD_SYSEX).flatMap((m) => {
      const status = decodeGuardStatus(m.data);
      return status ? [{ ...status, t: m.t }] : [];
    });
  }

  trips(): Array<{ reason: number; lastCounts: number; lastSecondaryCounts: number | null; t: number }> {
    return this.sysex(GUARD_SYSEX).flatMap((m) => {
      const tripped = decodeGuardTripped(m.data);
      return tripped ? [{ ...tripped, t: m.t }] : [];
    });
  }

  /** Ask for STATUS and run until it arrives. */
  async status(): Promise<GuardStatus & { t: number }> {
    const before = this.statuses().length;
    this.guard([0x04]);
    await this.sim.advanceUntil(() => this.statuses().length > before, 0.05);
    const status = this.statuses()[before];
    if (!status) throw new Error("no STATUS within 50 ms");
    return status;
  }

  sysex(id: number): Array<Extract<BoardMessage, { kind: "sysex" }>> {
    return this.messages.filter((m): m is Extract<BoardMessage, { kind: "sysex" }> => m.kind === "sysex" && m.id === id);
  }

  analog(channel: number): Array<Extract<BoardMessage, { kind: "analog" }>> {
    return this.messages.filter((m): m is Extract<BoardMessage, { kind: "analog" }> => m.kind === "analog" && m.channel === channel);
  }

  close(): Promise<void> {
    return this.sim.close();
  }

  private take(byte: number): void {
    const t = this.sim.timeSeconds;
    if (byte & 0x80 && byte !== 0xf7) this.partial = [];
    this.partial.push(byte);
    const [first] = this.partial as [number];
    if (first === 0xf0) {
      if (byte === 0xf7) {
        this.messages.push({ kind: "sysex", t, id: this.partial[1]!, data: this.partial.slice(2, -1) });
        this.partial = [];
      }
      return;
    }
    if (this.partial.length < 3) return;
    const [, a, b] = this.partial as [number, number, number];
    if (first === 0xf9) this.messages.push({ kind: "version", t, major: a, minor: b });
    else if ((first & 0xf0) === 0xe0) this.messages.push({ kind: "analog", t, channel: first & 0x0f, value: a | (b << 7) });
    else if ((first & 0xf0) === 0x90) this.messages.push({ kind: "digital", t, port: first & 0x0f, value: a | (b << 7) });
    this.partial = [];
  }
}
