/**
 * `--board PATH`: the controller in the command's own process, on a Firmata board reached
 * through a real pseudo-terminal (the virtual board, in real time). Short commands only:
 * whole sessions in real time are bench/board-session.ts's job.
 */
import { afterEach, describe, expect, it } from "vitest";
import { referenceProfile } from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { CuffFeelingPerson } from "../../hardware/sim/person.ts";
import { SOCAT_MISSING, socatAvailable, startVirtualBoardOnPty, type PtyBoard } from "../../hardware/sim/pty.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";
import { main } from "../../host/cli/main.ts";
import { SystemClock } from "../../shared/clock.ts";
import { fakeIo } from "./fake-io.ts";

const haveSocat = socatAvailable();
if (!haveSocat) {
  if (process.env.CI === "true") throw new Error(`pty tests need socat on CI: ${SOCAT_MISSING}`);
  console.warn(`\n*** SKIPPING the --board tests: ${SOCAT_MISSING} ***\n`);
}

let board: PtyBoard | null = null;
afterEach(async () => {
  await board?.close();
  board = null;
});

describe.skipIf(!haveSocat)("cuff commands on a board (--board PATH)", () => {
  it("deflate and monitor run the controller in-process; a second command on the same board starts afresh", async () => {
    const profile = referenceProfile();
    board = await startVirtualBoardOnPty({ plant: createPlant(parseScenario({ name: "board", limb: "leg" }), profile), clock: new SystemClock(), profile });
    const deflate = fakeIo();
    expect(await main(["deflate", "--board", board.path, "--json"], deflate), deflate.err.text).toBe(0);
    const summary = JSON.parse(deflate.out.text) as { ok: boolean; mmhg: number; state: string };
    expect(summary).toMatchObject({ ok: true, state: "vented" });
    expect(Math.abs(summary.mmhg)).toBeLessThan(15);
    // the first command's exit left the board's guard tripped (keep-alive lost); the next one resets it
    const monitor = fakeIo();
    expect(await main(["monitor", "--board", board.path, "--json", "--seconds", "1"], monitor), monitor.err.text).toBe(0);
    const lines = monitor.out.lines().map((l) => JSON.parse(l) as { type: string; frames?: number; vented?: boolean });
    expect(lines.at(-1)).toMatchObject({ type: "summary", ok: true, vented: true });
    // 20 telemetry frames a second from the in-process firmware
    expect(lines.at(-1)!.frames).toBeGreaterThanOrEqual(15);
    expect(board.board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
  }, 60_000);

  it("--port at a board says to use --board", async () => {
    const profile = referenceProfile();
    board = await startVirtualBoardOnPty({ plant: createPlant(parseScenario({ name: "board" }), profile), clock: new SystemClock(), profile });
    const io = fakeIo();
    expect(await main(["deflate", "--port", board.path], io)).toBe(1);
    expect(io.err.text).toMatch(new RegExp(`; if ${board.path} is the cuff's board, use --board ${board.path}\\.\\n$`));
  }, 60_000);
});

describe("the simulated person behind a virtual board", () => {
  /** A crude pump and vent holding the cuff near a pressure, as a controller would. */
  function holdAt(plant: ReturnType<typeof createPlant>, mmhg: number | null, seconds: number, person: CuffFeelingPerson): void {
    for (let i = 0; i < seconds * 100; i++) {
      const p = plant.trueMmhg();
      const pump = mmhg !== null && p < mmhg - 2 ? 1 : 0;
      const vent = mmhg === null ? 1 : p > mmhg + 2 ? 0.3 : 0;
      plant.step(0.01, pump, vent);
      person.update();
    }
  }

  it("starts its plan's first set once the cuff holds steady, rests between sets, and stops when the cuff deflates", () => {
    const scenario = parseScenario({ name: "person", limb: "arm", plan: { sets: [5, 5], restSeconds: 10, target: { percentLop: 50 } } });
    const plant = createPlant(scenario, referenceProfile());
    const person = new CuffFeelingPerson(plant, scenario.plan);
    // inflating: the pressure climbs, the person waits
    for (let s = 0; s < 60 && plant.trueMmhg() < 97; s++) holdAt(plant, 100, 1, person);
    expect(plant.trueMmhg()).toBeGreaterThan(95);
    expect(person.doing).toBe("waiting");
    holdAt(plant, 100, 2, person);
    expect(person.doing).toBe("waiting");
    // held steady for 3 s: the first set begins
    holdAt(plant, 100, 2, person);
    expect(person.doing).toBe("set 1");
    holdAt(plant, 100, 15, person);
    expect(plant.repsDone()).toBe(5);
    expect(person.doing).toBe("rest after set 1");
    holdAt(plant, 100, 15, person);
    expect(person.doing).toBe("set 2");
    holdAt(plant, null, 5, person);
    expect(person.doing).toBe("waiting");
  });

  it("keeps still through a continuous hold", () => {
    const scenario = parseScenario({ name: "walk", plan: { mode: "continuous", minutes: 1, target: { percentLop: 60 } } });
    const plant = createPlant(scenario, referenceProfile());
    const person = new CuffFeelingPerson(plant, scenario.plan);
    holdAt(plant, 120, 20, person);
    expect(person.doing).toBe("still");
    expect(plant.repsDone()).toBe(0);
  });
});
