/**
 * Puts the session on the screen. On a terminal: a dashboard redrawn in place
 * at most 10 times a second. Anywhere else: plain lines, one per event and a
 * pressure line every 10 s of session time, nothing redrawn.
 */
import type { TelemetryMessage } from "../../shared/protocol/index.ts";
import type { CuffEvent } from "../client/client.ts";
import { plainEventLine, renderDashboard, stripAnsi, wholeMmhg } from "./render.ts";
import { foldEvent, foldTelemetry, type SessionView } from "./view.ts";

type Output = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

const REDRAW_MS = 100;
const PLAIN_PRESSURE_EVERY_SECONDS = 10;

export class LiveDisplay {
  private drawnLines = 0;
  private finished = false;
  private lastDrawMs = -Infinity;
  private lastPlainPressureT = -Infinity;
  readonly tty: boolean;
  private readonly color: boolean;

  constructor(
    private readonly out: Output,
    public view: SessionView,
    env: NodeJS.ProcessEnv,
  ) {
    this.tty = out.isTTY === true && env.TERM !== "dumb";
    this.color = this.tty && env.NO_COLOR === undefined;
    if (this.tty) this.out.write("\x1b[?25l");
  }

  telemetry(m: TelemetryMessage): void {
    this.view = foldTelemetry(this.view, m);
    if (this.tty) {
      this.draw(false);
      return;
    }
    const active = m.phase === "set" || m.phase === "rest" || m.phase === "inflate";
    if (active && m.t - this.lastPlainPressureT >= PLAIN_PRESSURE_EVERY_SECONDS) {
      this.lastPlainPressureT = m.t;
      const target = m.target === null ? "" : `, target ${m.target.toFixed(0)}`;
      const lop = this.view.lop ? ` (${Math.round((Math.max(0, m.mmhg) / this.view.lop) * 100)} % LOP)` : "";
      this.line(`[${clockOf(this.view, m.t)}] pressure ${wholeMmhg(m.mmhg)} mmHg${target}${lop}`);
    }
  }

  event(e: CuffEvent): void {
    const before = this.view;
    this.view = foldEvent(this.view, e);
    if (this.tty) {
      this.draw(e.type !== "rep");
      return;
    }
    const text = plainEventLine(before.startT === null ? this.view : before, e);
    if (text) this.line(text);
  }

  link(state: "connected" | "reconnecting"): void {
    if (this.view.link === state) return;
    this.view = { ...this.view, link: state };
    if (this.tty) this.draw(true);
    else this.line(state === "reconnecting" ? "!! link to the cuff lost: reconnecting (the cuff vents by itself if it stays lost) !!" : "link to the cuff is back");
  }

  /**
   * A line of text below the dashboard (or in the stream of plain lines); `to`
   * another stream on the same terminal, such as stderr for a warning.
   */
  line(text: string, to: NodeJS.WritableStream = this.out): void {
    if (this.tty) {
      this.clear();
      to.write(text + "\n");
      this.draw(true);
    } else {
      to.write(stripAnsi(text) + "\n");
    }
  }

  /** The terminal echoed a line the person typed (Enter moves the cursor down one line). */
  inputEchoed(lines = 1): void {
    if (this.tty && this.drawnLines > 0) this.drawnLines += lines;
  }

  /** Leave the last dashboard on screen and give the cursor back. */
  finish(): void {
    if (!this.tty || this.finished) return;
    this.draw(true);
    this.finished = true;
    this.drawnLines = 0;
    this.out.write("\x1b[?25h");
  }

  private clear(): void {
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}F\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(force: boolean): void {
    if (this.finished) return;
    const now = performance.now();
    if (!force && now - this.lastDrawMs < REDRAW_MS) return;
    this.lastDrawMs = now;
    const lines = renderDashboard(this.view, { width: (this.out.columns ?? 80) - 1, color: this.color });
    const text = lines.map((l) => `${l}\x1b[K`).join("\n") + "\n";
    this.clear();
    this.out.write(text);
    this.drawnLines = lines.length;
  }
}

function clockOf(view: SessionView, t: number): string {
  const s = Math.max(0, Math.round(t - (view.startT ?? t)));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
