/** The distal pulse in the core: the monitor (samples to present / gone / unreadable) and the fade's reading. */
import { describe, expect, it } from "vitest";
import { DistalFade, FADE_SETTINGS, fadeShare, fadeSpanShare } from "../../firmware/core/distal/fade.ts";
import { DistalPulseTrace } from "../../firmware/core/distal/trace.ts";
import { Prng } from "../../hardware/sim/prng.ts";

const FULL_SCALE = 2 ** 18 - 1;

/** A PPG at 100 Hz: light level, a pulse of `amplitude` counts at `bpm`, white noise; fed in 40 ms batches. */
function feed(monitor: DistalPulseTrace, from: number, seconds: number, amplitude: (t: number) => number, options: { level?: number; noise?: number; bpm?: number } = {}) {
  const rng = new Prng(5, 1);
  const level = options.level ?? 120_000;
  const beat = 60 / (options.bpm ?? 70);
  let batch: number[] = [];
  for (let i = 1; i <= Math.round(seconds * 100); i++) {
    const t = from + i / 100;
    const phase = (t % beat) / beat;
    const pulse = 0.5 * (1 - Math.cos(2 * Math.PI * phase));
    batch.push(Math.round(level - amplitude(t) * pulse + (options.noise ?? 12) * rng.gaussian()));
    if (batch.length === 4) {
      monitor.push(t, batch);
      batch = [];
    }
  }
}

describe("the distal pulse monitor", () => {
  it("hears a pulse standing out of the sensor's noise as present, and its loss as gone", () => {
    const monitor = new DistalPulseTrace(100, FULL_SCALE);
    feed(monitor, 0, 6, () => 1500);
    expect(monitor.status(6)).toMatchObject({ state: "present", reason: "" });
    expect(monitor.noiseCounts()).toBeGreaterThan(9);
    expect(monitor.noiseCounts()).toBeLessThan(15);
    feed(monitor, 6, 4, () => 0);
    expect(monitor.status(10).state).toBe("gone");
  });

  it("says why it cannot be read: nothing sent, a clip off the skin, a hand moving", () => {
    const silent = new DistalPulseTrace(100, FULL_SCALE);
    expect(silent.status(1)).toMatchObject({ state: "unreadable", reason: "the distal pulse sensor has sent nothing" });
    const off = new DistalPulseTrace(100, FULL_SCALE);
    feed(off, 0, 3, () => 0, { level: 900 });
    expect(off.status(3)).toMatchObject({ state: "unreadable", reason: "the distal pulse sensor sees no skin (the clip is off the finger or toe)" });
    const moving = new DistalPulseTrace(100, FULL_SCALE);
    feed(moving, 0, 6, () => 1500);
    feed(moving, 6, 2, (t) => 20_000 * Math.sin(2 * Math.PI * 1.7 * t));
    expect(moving.status(8)).toMatchObject({ state: "unreadable", reason: "movement on the distal pulse sensor: keep the hand or foot still" });
    expect(moving.status(9.5).state).toBe("unreadable");
    expect(moving.status(9.5).reason).toMatch(/^the distal pulse sensor has sent nothing for 1\.5 s$/);
  });

  it("times the chip's samples on its own 100 Hz grid, whenever the batches arrive", () => {
    const monitor = new DistalPulseTrace(100, FULL_SCALE);
    // Batches arrive late and bunched (USB): 4 samples stamped 3-7 ms after their true time.
    for (let k = 1; k <= 250; k++) monitor.push(k * 0.04 + (k % 2 ? 0.007 : 0.003), [120_000, 120_000, 120_000, 120_000]);
    expect(monitor.latestSeconds).toBeGreaterThan(10);
    expect(monitor.latestSeconds).toBeLessThan(10.01);
    expect(monitor.span(9, 10)).toMatchObject({ amplitudeCounts: expect.any(Number) });
  });
});

/** Beats of a fade with every beat's own occlusion pressure at `lop` and a fade span of `spanMmhg`, from 60 mmHg up at `perBeat`. */
function fadeBeats(lop: number, spanMmhg: number, perBeat: number, size = 2000, noise = 12) {
  const beats = [];
  for (let c = 60, t = 0; c < lop + 15; c += perBeat, t += 0.85) {
    const x = (lop - c) / spanMmhg;
    beats.push({ tSeconds: t, mmhg: c, amplitudeCounts: Math.hypot(size * fadeShare(Math.min(1, Math.max(0, x))), noise), noiseCounts: noise });
  }
  return beats;
}

describe("the fade", () => {
  it("fadeSpanShare inverts fadeShare", () => {
    for (const x of [0.05, 0.2, 0.5, 0.9]) expect(fadeSpanShare(fadeShare(x))).toBeCloseTo(x, 6);
  });

  it("reads the occlusion pressure from the beats of the fade, before the last of them is lost in the noise", () => {
    for (const [lop, span] of [[180, 60], [250, 120], [140, 35]] as const) {
      const fade = new DistalFade();
      for (const beat of fadeBeats(lop, span, 2.5)) fade.add(beat);
      const reading = fade.reading()!;
      expect(reading.beats).toBeGreaterThanOrEqual(3);
      // Every beat here stops at `lop`: the reading adds the margin the strongest beat of a breath needs.
      expect(reading.mmhg - FADE_SETTINGS.marginMmhg).toBeCloseTo(lop, -0.7);
      expect(fade.gone).toBe(true);
    }
  });

  it("a knock is movement, left out with the beat the filter rings into, and never read as the pulse", () => {
    const fade = new DistalFade();
    const beats = fadeBeats(180, 60, 2.5);
    const knocked = beats.map((b, i) => (i === 12 ? { ...b, amplitudeCounts: 9000 } : b));
    for (const beat of knocked) fade.add(beat);
    expect(fade.movementBeats.moved).toBe(2);
    expect(fade.reading()!.mmhg - FADE_SETTINGS.marginMmhg).toBeCloseTo(180, -0.7);
  });

  it("a knock among the first beats, before movement can be judged, does not start the fade early", () => {
    const clean = new DistalFade();
    const knockedEarly = new DistalFade();
    const beats = fadeBeats(180, 60, 2.5);
    for (const beat of beats) clean.add(beat);
    // A knock and the filter ringing after it in the second to fourth beats, 60-68 mmHg.
    const knock = [9000, 4000, 2600];
    for (const [i, beat] of beats.entries()) knockedEarly.add(i >= 1 && i <= 3 ? { ...beat, amplitudeCounts: knock[i - 1]! } : beat);
    expect(knockedEarly.reading()!.topMmhg).toBeCloseTo(clean.reading()!.topMmhg, 0);
    expect(knockedEarly.reading()!.mmhg).toBeCloseTo(clean.reading()!.mmhg, 0);
  });

  it("small beats on the fade (premature beats) are not read as the pulse closing once later beats come through above", () => {
    const fade = new DistalFade();
    const beats = fadeBeats(180, 100, 2.5);
    // Where the pulse is still at 70 % of its size, two beats come through at a tenth of it; then the fade goes on.
    const early = beats.findIndex((b) => fadeShare((180 - b.mmhg) / 100) < 0.7);
    for (const [i, beat] of beats.entries()) {
      fade.add(i === early || i === early + 1 ? { ...beat, amplitudeCounts: 200 } : beat);
      const reading = fade.reading();
      const present = beat.amplitudeCounts > FADE_SETTINGS.presentNoiseMultiple * beat.noiseCounts;
      // The artery still opened at this beat's pressure: no reading stands more than 10 mmHg below it.
      if (i > early + 1 && present && reading) expect(reading.mmhg, `after the beat at ${beat.mmhg} mmHg`).toBeGreaterThan(beat.mmhg - 10);
    }
    expect(fade.reading()!.mmhg - FADE_SETTINGS.marginMmhg).toBeCloseTo(180, -0.7);
  });

  it("gone takes three beats in a row without a pulse, over 3 s: a breath's trough is not the end", () => {
    const fade = new DistalFade();
    const beats = fadeBeats(180, 60, 2.5).filter((b) => b.mmhg < 170);
    for (const beat of beats) fade.add(beat);
    const last = beats.at(-1)!;
    const silent = (k: number) => ({ tSeconds: last.tSeconds + k * 0.85, mmhg: last.mmhg + k, amplitudeCounts: 20, noiseCounts: 12 });
    // Three beats span 1.7 s at 70 bpm: not yet.
    for (const k of [1, 2, 3, 4]) fade.add(silent(k));
    expect(fade.gone).toBe(false);
    fade.add(silent(5));
    expect(fade.gone).toBe(true);
  });
});
