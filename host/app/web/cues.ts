/**
 * Audible cues as Web Audio beeps (no files): muted on request, and the choice
 * remembered in this browser. Browsers allow sound only after a tap.
 */
import type { Cue } from "./cue-rules.ts";

/** Tones of each cue: [hertz, seconds] pairs with a short gap between. */
const TONES: Record<Cue, [number, number][]> = {
  "set-start": [[880, 0.12], [1175, 0.2]],
  "rest-ending": [[660, 0.25]],
  alarm: [[440, 0.25], [880, 0.25], [440, 0.25], [880, 0.25]],
  "session-end": [[784, 0.15], [659, 0.15], [523, 0.35]],
};

const MUTE_KEY = "cuff.muted";

export class CuePlayer {
  private context: AudioContext | null = null;
  muted: boolean;

  constructor(private readonly storage: Storage | null) {
    this.muted = storage?.getItem(MUTE_KEY) === "1";
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.storage?.setItem(MUTE_KEY, muted ? "1" : "0");
  }

  /** Browsers allow sound only after a tap: call this from one. */
  unlock(): void {
    if (this.context === null && typeof AudioContext !== "undefined") this.context = new AudioContext();
    void this.context?.resume().catch(() => undefined);
  }

  play(cue: Cue): void {
    if (cue === "alarm" && typeof navigator.vibrate === "function") navigator.vibrate([300, 150, 300, 150, 300]);
    const context = this.context;
    if (this.muted || context === null || context.state !== "running") return;
    let at = context.currentTime + 0.02;
    for (const [hertz, seconds] of TONES[cue]) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = hertz;
      oscillator.type = cue === "alarm" ? "square" : "sine";
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.4, at + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + seconds);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + seconds + 0.02);
      at += seconds + 0.06;
    }
  }
}
