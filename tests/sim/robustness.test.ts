import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countsFullScale } from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { PHYSICAL_FAULT_KINDS } from "../../hardware/sim/plant.ts";
import { generatePopulation } from "../../hardware/sim/population.ts";
import { profile } from "./helpers.ts";

const population = generatePopulation(99, 40, { includeUnreachable: true });

describe("the simulated cuff under arbitrary commands", () => {
  it("stays finite and physical: pressures between a slight vacuum and the relief valve, counts on the ADC's scale", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: population.length - 1 }),
        fc.array(
          fc.record({
            seconds: fc.double({ min: 0.0005, max: 3, noNaN: true }),
            pump: fc.oneof(fc.double({ min: -1, max: 2 }), fc.constantFrom(0, 1, Number.NaN)),
            vent: fc.oneof(fc.double({ min: -1, max: 2 }), fc.constantFrom(0, 1, Number.NaN)),
            dt: fc.constantFrom(0.001, 0.01, 0.02, 0.1),
            fault: fc.option(fc.constantFrom(...PHYSICAL_FAULT_KINDS), { freq: 8 }),
            set: fc.boolean(),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        (index, commands) => {
          const cuff = createPlant(population[index]!, profile);
          for (const c of commands) {
            if (c.fault) cuff.injectFault(c.fault);
            if (c.set) cuff.beginSet(10);
            for (let t = 0; t < c.seconds; t += c.dt) {
              cuff.step(c.dt, c.pump, c.vent);
              const p = cuff.trueMmhg();
              const box = cuff.hoseMmhg();
              const counts = cuff.sensorCounts();
              if (!(p > -20 && p < 326 && box > -20 && box < 326)) return false;
              if (!Number.isInteger(counts) || counts < 0 || counts > countsFullScale(profile)) return false;
            }
          }
          return Number.isFinite(cuff.airMl());
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it("refuses a negative or non-finite time step and changes nothing", () => {
    const cuff = createPlant(population[0]!, profile);
    cuff.step(1, 1, 0);
    const before = cuff.trueMmhg();
    for (const dt of [-0.01, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => cuff.step(dt, 1, 0)).toThrow(RangeError);
    expect(cuff.trueMmhg()).toBe(before);
    expect(cuff.timeSeconds).toBe(1);
  });
});
