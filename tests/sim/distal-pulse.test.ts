import { describe, expect, it } from "vitest";
import type { SimulatedCuff } from "../../hardware/sim/cuff.ts";
import { DISTAL_PULSE_SENSOR } from "../../hardware/sim/distal-pulse.ts";
import { cuffFor, inflateTo, QUIET, run } from "./helpers.ts";

/** A thigh with the sensor on a toe, a steady heart, no knocks. */
function withSensor(subject: Record<string, number | boolean> = {}, exercise: Record<string, number> = QUIET.exercise): SimulatedCuff {
  return cuffFor({
    limb: "leg",
    hardware: { ...QUIET.hardware, distalPulseSensor: true },
    exercise,
    subject: { respiratorySwingMmhg: 2, heartRateVariabilityPercent: 2, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 2, ...subject },
  });
}

/** Peak-to-peak of the sensor's samples over 6 s, after 2 s to settle, the cuff sealed at `mmhg`. */
function pulseAt(cuff: SimulatedCuff, mmhg: number): number {
  if (mmhg > 0) inflateTo(cuff, mmhg);
  run(cuff, 2, 0, mmhg > 0 ? 0 : 1);
  cuff.distalPulse!.readFifo();
  const samples: number[] = [];
  run(cuff, 6, 0, mmhg > 0 ? 0 : 1, () => samples.push(...cuff.distalPulse!.readFifo()));
  return Math.max(...samples) - Math.min(...samples);
}

const noisePeakToPeak = 8 * DISTAL_PULSE_SENSOR.noiseShareOfDc * DISTAL_PULSE_SENSOR.dcCounts;

describe("the distal pulse sensor (a PPG clip beyond the cuff)", () => {
  it("is there only when the scenario asks for it, and is read as a board reads the chip: 100 samples a second, at most 32 unread", () => {
    expect(cuffFor({ limb: "leg" }).distalPulse).toBeNull();
    const cuff = withSensor();
    run(cuff, 0.2, 0, 1);
    expect(cuff.distalPulse!.readFifo()).toHaveLength(20);
    run(cuff, 1, 0, 1);
    const fifo = cuff.distalPulse!.readFifo();
    expect(fifo).toHaveLength(DISTAL_PULSE_SENSOR.fifoDepth);
    for (const counts of fifo) {
      expect(Number.isInteger(counts)).toBe(true);
      expect(counts).toBeGreaterThan(0);
      expect(counts).toBeLessThan(2 ** 18);
    }
    expect(cuff.distalPulse!.latestCounts()).toBe(fifo.at(-1));
  });

  it("shows the full pulse with the cuff empty, a smaller one as the cuff pinches the artery, and none from the true LOP on", () => {
    const lop = withSensor().lopTrueMmhg;
    const at = (share: number) => pulseAt(withSensor(), share * lop);
    const free = at(0);
    // The perfusion index (2 %) of the infrared DC, peak to peak.
    expect(free).toBeGreaterThan(0.6 * 0.02 * DISTAL_PULSE_SENSOR.dcCounts);
    expect(free).toBeLessThan(1.3 * 0.02 * DISTAL_PULSE_SENSOR.dcCounts);
    const pinched = at(0.8);
    expect(pinched).toBeLessThan(0.7 * free);
    expect(pinched).toBeGreaterThan(3 * noisePeakToPeak);
    expect(at(0.9)).toBeGreaterThan(noisePeakToPeak);
    for (const share of [1.0, 1.1]) expect(at(share)).toBeLessThan(noisePeakToPeak);
  });

  it("cold fingers (perfusion index 0.2 %) give a tenth of a warm hand's pulse (2 %)", () => {
    const warm = pulseAt(withSensor({ distalPerfusionPercent: 2 }), 0);
    const cold = pulseAt(withSensor({ distalPerfusionPercent: 0.2 }), 0);
    expect(cold / warm).toBeGreaterThan(0.07);
    expect(cold / warm).toBeLessThan(0.14);
  });

  it("moves with the limb: during a set with knocks the signal swings far more than the pulse", () => {
    const still = pulseAt(withSensor({}, { motionArtefactMmhg: 0, contractionSwingMmhg: 18 }), 0);
    const moving = withSensor({}, { motionArtefactMmhg: 6, contractionSwingMmhg: 18 });
    run(moving, 2, 0, 1);
    moving.beginSet(10);
    moving.distalPulse!.readFifo();
    const samples: number[] = [];
    run(moving, 10, 0, 1, () => samples.push(...moving.distalPulse!.readFifo()));
    expect(Math.max(...samples) - Math.min(...samples)).toBeGreaterThan(1.5 * still);
  });
});
