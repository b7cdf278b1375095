import { describe, expect, it } from "vitest";
import { CadenceEstimate } from "../../firmware/core/reps/cadence.ts";
import { Prng } from "../../hardware/sim/prng.ts";

const SAMPLE_HZ = 100;

/** Feeds `seconds` of signal(t) (mmHg, already low-passed as the counter keeps it) and returns the estimate at the end. */
function cadenceOf(seconds: number, signal: (tSeconds: number) => number): CadenceEstimate {
  const cadence = new CadenceEstimate(SAMPLE_HZ);
  for (let i = 0; i <= seconds * SAMPLE_HZ; i++) cadence.feed(i / SAMPLE_HZ, signal(i / SAMPLE_HZ));
  return cadence;
}

describe("the cadence a set's signal repeats at", () => {
  it("is the rep interval of 6 s reps that swing the pressure twice (a 10 mmHg rise, then a 6 mmHg dip half a rep later), not the 3 s between swings", () => {
    const cadence = cadenceOf(30, (t) => {
      const phase = (t / 6) % 1;
      return phase < 0.5 ? 10 * Math.sin(2 * Math.PI * phase) : -6 * Math.sin(2 * Math.PI * (phase - 0.5)) ** 2;
    });
    expect(cadence.periodSeconds).toBeGreaterThan(5.7);
    expect(cadence.periodSeconds).toBeLessThan(6.3);
    expect(cadence.strength).toBeGreaterThan(0.8);
  });

  it("is the rep interval of 1.5 s reps whose every second rep swings 60 % more, not the 3 s after which they look alike", () => {
    const cadence = cadenceOf(20, (t) => {
      const rep = Math.floor(t / 1.5);
      return (rep % 2 ? 8 : 5) * Math.sin((Math.PI * t) / 1.5) ** 2;
    });
    expect(cadence.periodSeconds).toBeGreaterThan(1.4);
    expect(cadence.periodSeconds).toBeLessThan(1.6);
  });

  it("holds a 3 s cadence through a 30 mmHg dip at the start of the set (the veins emptying) once the dip has left its window", () => {
    const cadence = cadenceOf(24, (t) => 5 * Math.sin((Math.PI * t) / 3) ** 2 - 30 * Math.exp(-t / 3));
    expect(cadence.periodSeconds).toBeGreaterThan(2.85);
    expect(cadence.periodSeconds).toBeLessThan(3.15);
  });

  it("finds no clear cadence in noise (knocks and sensor noise do not repeat)", () => {
    const rng = new Prng(11, 2);
    let slow = 0;
    const cadence = cadenceOf(30, () => {
      // Noise low-passed at about 1 Hz, as the counter's filter leaves it.
      slow += 0.06 * (3 * rng.clippedNormal(0, 1, -3, 3) - slow);
      return slow;
    });
    expect(cadence.periodSeconds === null || cadence.strength < 0.5).toBe(true);
  });
});
