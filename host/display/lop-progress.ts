/**
 * `cuff lop` live: the pressure and what the measurement is doing (zeroing,
 * inflating to the ramp's start, reading the pulsations, the distal pulse present,
 * fading or gone, venting to measure again, deflating), from telemetry. On a
 * terminal one line redrawn in place at most 10 times a second; anywhere else a
 * line whenever what it is doing changes, and the pressure every 5 s.
 */
import type { TelemetryMessage } from "../../shared/protocol/index.ts";
import { stripAnsi, wholeMmhg } from "./render.ts";

type Output = NodeJS.WritableStream & { isTTY?: boolean };

const REDRAW_MS = 100;
const PLAIN_PRESSURE_EVERY_SECONDS = 5;

/** What the cuff is doing, in words, from one telemetry message. */
export function lopActivity(m: TelemetryMessage): string {
  if (m.phase === "zero") return "zeroing the pressure sensor (cuff open)";
  if (m.phase === "deflate" || m.state === "deflating") return "deflating";
  if (m.phase === "fault") return "FAULT: the cuff is vented";
  if (m.phase !== "lop") return m.state === "vented" ? "vented" : m.state;
  if (m.lopStep === "filling") return "inflating to the ramp's start";
  if (m.lopStep === "retreating") return "venting a little to measure again after movement";
  return "inflating slowly, reading the pulsations";
}

const DISTAL_WORDS: Record<NonNullable<TelemetryMessage["distalPulse"]>, string> = {
  present: "distal pulse present",
  fading: "distal pulse fading",
  gone: "distal pulse gone",
  unreadable: "distal pulse unreadable",
};

/** The whole line: the pressure first, then what is happening. */
export function lopProgressLine(m: TelemetryMessage): string {
  const distal = m.distalPulse && (m.phase === "lop" || m.phase === "deflate") ? `, ${DISTAL_WORDS[m.distalPulse]}` : "";
  return `${wholeMmhg(m.mmhg).padStart(4)} mmHg  ${lopActivity(m)}${distal}`;
}

export class LopProgress {
  private lastDrawMs = Number.NEGATIVE_INFINITY;
  private lastLine = "";
  private lastActivity = "";
  private lastPlainT = Number.NEGATIVE_INFINITY;
  private drawn = false;
  readonly tty: boolean;

  constructor(
    private readonly out: Output,
    env: NodeJS.ProcessEnv,
  ) {
    this.tty = out.isTTY === true && env.TERM !== "dumb";
  }

  telemetry(m: TelemetryMessage): void {
    const line = lopProgressLine(m);
    if (this.tty) {
      const now = performance.now();
      if (line === this.lastLine || now - this.lastDrawMs < REDRAW_MS) return;
      this.lastDrawMs = now;
      this.lastLine = line;
      this.out.write(`\r${line}\x1b[K`);
      this.drawn = true;
      return;
    }
    const activity = stripAnsi(line.slice(line.indexOf("mmHg") + 4).trim());
    if (activity === this.lastActivity && m.t - this.lastPlainT < PLAIN_PRESSURE_EVERY_SECONDS) return;
    this.lastActivity = activity;
    this.lastPlainT = m.t;
    this.out.write(`${line.trimStart()}\n`);
  }

  /** Leave the last line on screen and move below it. */
  finish(): void {
    if (this.tty && this.drawn) this.out.write("\n");
    this.drawn = false;
  }
}
