/**
 * The alarm banner: a warning or a fault fills the top of the screen in red
 * (amber for a warning), flashes, sounds and vibrates until silenced, and a
 * latched fault offers to clear it once the cuff is vented.
 */
import type { AlarmLine } from "../../display/view.ts";
import { byId, setText, show } from "./dom.ts";
import { alarmTitle } from "./words.ts";

/** A warning clears itself from the banner after this long without another. */
const WARNING_SHOWN_MS = 15_000;
/** A fault sounds again this often until someone silences it. */
const FAULT_REPEAT_MS = 4_000;

export class AlarmBanner {
  private readonly banner = byId("alarm");
  private readonly title = byId("alarm-title");
  private readonly detail = byId("alarm-detail");
  private readonly ack = byId<HTMLButtonElement>("ack-fault");
  private current: AlarmLine | null = null;
  private hideTimer: ReturnType<typeof setTimeout> | null = null;
  private repeatTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly sound: () => void,
    onAckFault: () => void,
  ) {
    byId("alarm-silence").addEventListener("click", () => {
      this.silence();
      if (this.current?.severity !== "fault") this.clear();
    });
    this.ack.addEventListener("click", onAckFault);
  }

  raise(alarm: AlarmLine): void {
    if (alarm.severity === "info") return;
    if (this.current?.severity === "fault" && alarm.severity !== "fault") return;
    this.current = alarm;
    setText(this.title, alarmTitle(alarm.kind));
    setText(this.detail, alarm.detail);
    this.banner.classList.toggle("warning", alarm.severity === "warning");
    show(this.banner, true);
    this.silence();
    this.sound();
    if (alarm.severity === "fault") this.repeatTimer = setInterval(this.sound, FAULT_REPEAT_MS);
    if (this.hideTimer) clearTimeout(this.hideTimer);
    this.hideTimer = alarm.severity === "warning" ? setTimeout(() => this.clear(), WARNING_SHOWN_MS) : null;
  }

  /** The cuff's state: a latched fault keeps the banner and offers to clear it; leaving the fault clears it. */
  state(state: string | null): void {
    show(this.ack, state === "fault");
    if (state !== "fault" && this.current?.severity === "fault") this.clear();
  }

  private silence(): void {
    if (this.repeatTimer) clearInterval(this.repeatTimer);
    this.repeatTimer = null;
  }

  private clear(): void {
    this.silence();
    this.current = null;
    show(this.banner, false);
  }
}
