import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";

describe("ManualClock", () => {
  it("fires timers in due order at their due time, ties in scheduling order", () => {
    const clock = new ManualClock(10);
    const fired: string[] = [];
    clock.schedule(0.5, () => fired.push(`b@${clock.nowSeconds()}`));
    clock.schedule(0.2, () => fired.push(`a@${clock.nowSeconds()}`));
    clock.schedule(0.5, () => fired.push(`c@${clock.nowSeconds()}`));
    clock.advance(0.3);
    expect(fired).toEqual(["a@10.2"]);
    expect(clock.nowSeconds()).toBeCloseTo(10.3);
    clock.advance(1);
    expect(fired).toEqual(["a@10.2", "b@10.5", "c@10.5"]);
    expect(clock.nowSeconds()).toBeCloseTo(11.3);
  });

  it("runs timers scheduled by timers within the same advance, and cancelled ones never", () => {
    const clock = new ManualClock();
    let ticks = 0;
    const tick = () => {
      ticks++;
      clock.schedule(0.1, tick);
    };
    clock.schedule(0.1, tick);
    const cancelled = clock.schedule(0.05, () => {
      throw new Error("cancelled timer fired");
    });
    cancelled.cancel();
    clock.advance(1.0001);
    expect(ticks).toBe(10);
    expect(clock.pendingCount()).toBe(1);
  });
});
