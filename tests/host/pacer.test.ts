import { describe, expect, it } from "vitest";
import { Pacer } from "../../hardware/sim/pacer.ts";

describe("sim pacer", () => {
  it("unpaced, advances the simulation in steps of at most 0.1 s until stopped", async () => {
    const steps: number[] = [];
    const pacer = new Pacer({ advance: async (s) => void steps.push(s) }, Number.POSITIVE_INFINITY);
    while (steps.length < 50) await new Promise<void>((r) => setImmediate(r));
    await pacer.stop();
    expect(steps.every((s) => s > 0 && s <= 0.1)).toBe(true);
    const count = steps.length;
    await new Promise<void>((r) => setImmediate(r));
    expect(steps.length).toBe(count);
  });

  it("reports a simulation that throws, and stops", async () => {
    let calls = 0;
    const failure = await new Promise<Error>((resolve) => {
      new Pacer(
        {
          advance: async () => {
            calls++;
            if (calls === 3) throw new Error("plant exploded");
          },
        },
        Number.POSITIVE_INFINITY,
        resolve,
      );
    });
    expect(failure.message).toBe("plant exploded");
    await new Promise<void>((r) => setImmediate(r));
    expect(calls).toBe(3);
  });
});
