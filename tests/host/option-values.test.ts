/**
 * Option values as a careless user or a hostile script types them: decimal
 * numbers only, no empty values, negative numbers refused by the range check
 * with its sentence, and the command line's limits the firmware's own.
 */
import { describe, expect, it } from "vitest";
import { parseDecimal } from "../../shared/decimal.ts";
import { UsageError } from "../../host/cli/errors.ts";
import { makeSessionCommand } from "../../host/cli/commands/session.ts";
import { main } from "../../host/cli/main.ts";
import { parseTarget } from "../../host/cli/plan-options.ts";
import { HARD_CEILING_MMHG, MAX_TARGET_MMHG, TARGET_MARGIN_MMHG } from "../../shared/limits.ts";
import { firmwareHarness } from "../firmware/harness.ts";
import { fakeIo } from "./fake-io.ts";

describe("decimal numbers", () => {
  it("reads plain decimals and nothing else", () => {
    expect(["12", "-1", "0.5", ".5", "+3", " 7 "].map(parseDecimal)).toEqual([12, -1, 0.5, 0.5, 3, 7]);
    for (const text of ["0x64", "0o17", "0b11", "1e3", "Infinity", "NaN", "", " ", "12abc", "1_000", "--1", "9".repeat(400)]) {
      expect(parseDecimal(text), text).toBeNull();
    }
  });
});

/** Runs `cuff session ARGS` twice: through main() for the exit code and stderr, and with a link that must never open. */
async function refused(args: string[]) {
  let opened = false;
  const command = makeSessionCommand({
    now: () => new Date(),
    openLink: async () => {
      opened = true;
      throw new Error("the link must not open on bad usage");
    },
  });
  const thrown = await command.run(args, fakeIo()).then(
    () => null,
    (error: unknown) => error,
  );
  const io = fakeIo();
  const code = await main(["session", ...args], io);
  return { code, err: io.err.text, out: io.out.text, opened, thrown };
}

describe("bad option values exit 2 with the real reason, before the cuff is touched", () => {
  it.each([
    [["--sim", "--rest", ""], /--rest needs a value; it was given an empty one/],
    [["--sim", "--rest="], /--rest needs a value; it was given an empty one/],
    [["--sim", "--target", ""], /--target needs a value/],
    [["--sim", "--lop", "0x64"], /--lop must be measure, auto, or an LOP from 50 to 300 mmHg as a decimal number, got "0x64"/],
    [["--sim", "--speed", "0x10"], /--speed must be a decimal factor from 0\.1 to 10000 .* got "0x10"/],
    [["--sim", "--rest", "-1"], /--rest must be a decimal number of seconds from 0 to 300, got "-1"/],
    [["--sim", "--rest", "1e2"], /--rest must be a decimal number of seconds from 0 to 300, got "1e2"/],
    [["--sim", "--lop", "-180"], /--lop must be .* from 50 to 300 mmHg .* got "-180"/],
    [["--sim", "--target", "-10%"], /--target -10% is outside 10-90 % of LOP/],
    [["--sim", "--sets", "30,-15"], /--sets must be 1 to 12 rep counts of 1-200 .* got "30,-15"/],
    [["--port", "/dev/ttyUSB0", "--limb", "leg", "--baud", "-5"], /--baud must be a whole serial speed from 1200 to 4000000, like 115200, got "-5"/],
    [["--sim", "--target", "300mmHg"], /--target 300mmHg is above 290 mmHg, the highest target: targets stay 10 mmHg under the 300 mmHg ceiling/],
    [["--sim", "--target", "290.5mmHg"], /above 290 mmHg/],
    [["--sim", "--target", "200mmHg", "--lop", "200"], /the target 200 mmHg is above 90 % of the 200 mmHg LOP \(180 mmHg\)/],
  ])("cuff session %j", async (args, reason) => {
    const r = await refused(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(reason);
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.err).not.toMatch(/ambiguous/);
    expect(r.out).toBe("");
    expect(r.thrown).toBeInstanceOf(UsageError);
    expect(r.opened).toBe(false);
  });

  it("a negative number on other commands reaches their range check too", async () => {
    for (const [args, reason] of [
      [["monitor", "--sim", "--seconds", "-3"], /--seconds must be a decimal number from 0\.1 to 86400, got "-3"/],
      [["plot", "run.jsonl", "--width", "-800"], /--width must be a decimal number from 400 to 6000, got "-800"/],
      [["plot", "run.jsonl", "--lop", "0x64"], /--lop must be a decimal number from 50 to 300, got "0x64"/],
      [["firmware", "--board", "sim", "--link", "stdio", "--silence-seconds", "-2"], /--silence-seconds must be a decimal number from 0\.5 to 60, got "-2"/],
    ] as const) {
      const io = fakeIo();
      expect(await main([...args], io)).toBe(2);
      expect(io.err.text).toMatch(reason);
    }
  });
});

describe("the command line's target limit is the firmware's", () => {
  it(`both take ${MAX_TARGET_MMHG} mmHg (${TARGET_MARGIN_MMHG} under the ${HARD_CEILING_MMHG} mmHg ceiling) and refuse anything above it`, () => {
    expect(parseTarget(`${MAX_TARGET_MMHG}mmHg`)).toEqual({ mmhg: MAX_TARGET_MMHG });
    expect(() => parseTarget(`${MAX_TARGET_MMHG + 0.5}mmHg`)).toThrow(/above 290 mmHg/);

    // only a bench acceptance on a mock limb holds that high: no limb's LOP allows it
    const h = firmwareHarness({}, undefined, { benchAcceptance: true });
    h.ready();
    // just above: the link's own schema refuses it and the cuff stays vented
    const above = h.send({ type: "hold", cuff: 0, target: { mmhg: MAX_TARGET_MMHG + 0.5 } } as never, 700);
    expect(above[0]).toMatchObject({ type: "error", code: "schema", ref: 700 });
    h.run(1);
    expect(h.controller.stateName).toBe("vented");
    // the limit itself: the firmware starts inflating to it
    expect(h.send({ type: "hold", cuff: 0, target: { mmhg: MAX_TARGET_MMHG } })[0]).toMatchObject({ type: "ack" });
    h.run(1);
    expect(h.controller.stateName).toBe("inflating");
    expect(h.send({ type: "deflate", cuff: 0 })[0]).toMatchObject({ type: "ack" });
  });
});
