import { describe, expect, it } from "vitest";
import { UsageError } from "../../host/cli/errors.ts";
import { parseLop, parseSets, parseSpeed, parseTarget, planFromOptions } from "../../host/cli/plan-options.ts";

describe("session options", () => {
  it("reads targets as % of LOP or mmHg, and refuses a bare number", () => {
    expect(parseTarget("60%")).toEqual({ percentLop: 60 });
    expect(parseTarget("150mmHg")).toEqual({ mmhg: 150 });
    expect(parseTarget("150 mmhg")).toEqual({ mmhg: 150 });
    expect(() => parseTarget("150")).toThrow(/percentage of LOP like 60% or a pressure like 150mmHg/);
    expect(() => parseTarget("95%")).toThrow(/outside 10-90 % of LOP/);
    expect(() => parseTarget("350mmHg")).toThrow(UsageError);
  });

  it("reads sets, LOP and speed", () => {
    expect(parseSets("30,15,15,15")).toEqual([30, 15, 15, 15]);
    expect(() => parseSets("30,,15")).toThrow(/like 30,15,15,15/);
    expect(parseLop(undefined)).toBe("auto");
    expect(parseLop("measure")).toBe("measure");
    expect(parseLop("182")).toBe(182);
    expect(() => parseLop("20")).toThrow(/from 50 to 300 mmHg/);
    expect(parseSpeed("max", 1)).toBe(Number.POSITIVE_INFINITY);
    expect(parseSpeed(undefined, 10)).toBe(10);
    expect(() => parseSpeed("0", 1)).toThrow(UsageError);
  });

  it("builds the default plan: 30-15-15-15, 30 s rests, 80 % on a leg and 50 % on an arm", () => {
    const leg = planFromOptions({}, "leg", "measure", null);
    expect(leg).toMatchObject({ sets: [30, 15, 15, 15], restSeconds: 30, target: { percentLop: 80 }, lop: "measure", countReps: true });
    expect(planFromOptions({}, "arm", 170, null)).toMatchObject({ target: { percentLop: 50 }, lop: 170 });
    expect(planFromOptions({ sets: "15,15,15,15", rest: "45", target: "140mmHg" }, "arm", "measure", null)).toMatchObject({
      sets: [15, 15, 15, 15],
      restSeconds: 45,
      target: { mmhg: 140 },
    });
  });
});
