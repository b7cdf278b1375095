/** Sessions run from the app are recorded as `cuff session` records them, and read back by `cuff history`. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SessionLog } from "../../host/app/session-log.ts";
import { readHistoryEntry } from "../../host/record/history.ts";
import type { HostBody } from "../../shared/protocol/index.ts";
import { type HubRig, hubRig } from "./hub-rig.ts";

let rig: HubRig | null = null;
let folder: string | null = null;
afterEach(async () => {
  await rig?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
  rig = null;
  folder = null;
});

const START: HostBody = {
  type: "start-session",
  cuff: 0,
  limb: "leg",
  plan: { mode: "sets", sets: [20, 10], restSeconds: 10, target: { percentLop: 50 }, lop: 195, countReps: false },
};

async function sessionInItsFirstSet(): Promise<{ log: SessionLog; page: ReturnType<HubRig["page"]>; warnings: string[] }> {
  rig = await hubRig();
  folder = mkdtempSync(join(tmpdir(), "cuff-app-log-"));
  const warnings: string[] = [];
  const log = new SessionLog({ hub: rig.hub, upstream: rig.upstream, folder, source: "sim:hub", person: "Ana", now: () => new Date("2026-05-04T10:20:30Z"), warn: (s) => warnings.push(s) });
  const page = rig.page();
  const zero = page.frame({ type: "zero", cuff: 0 });
  await rig.until(() => page.replyTo(zero)?.type === "ack" && rig!.upstream.state === "vented", 30);
  page.frame(START);
  await rig.until(() => rig!.telemetry.at(-1)?.phase === "set", 60);
  await rig.advance(3);
  return { log, page, warnings };
}

function recordingLines(): Record<string, unknown>[] {
  const names = readdirSync(folder!);
  expect(names).toEqual(["2026-05-04T10-20-30-ana-leg.jsonl"]);
  return readFileSync(join(folder!, names[0]!), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("the app's session log", () => {
  it("records a session a page started, and how a page's Deflate ended it", async () => {
    const { log, page, warnings } = await sessionInItsFirstSet();
    page.frame({ type: "deflate", cuff: 0 });
    await rig!.until(() => rig!.upstream.state === "vented", 30);
    log.close();
    const lines = recordingLines();
    expect(lines[0]).toMatchObject({ type: "recording", person: "Ana", limb: "leg", source: "sim:hub", plan: { sets: [20, 10] } });
    expect(lines.filter((l) => l.type === "telemetry").length).toBeGreaterThan(20 * 10);
    expect(lines.at(-1)).toMatchObject({ type: "session-end", outcome: "stopped", sets: [{ set: 1, planned: 20, complete: false }] });
    const entry = readHistoryEntry(join(folder!, "2026-05-04T10-20-30-ana-leg.jsonl"))!;
    expect(entry).toMatchObject({ person: "Ana", limb: "leg", ended: "stopped by the user" });
    // the LOP the plan claimed, as the cuff confirmed it on the first inflation
    expect(Math.abs(entry.lopMmhg! - 195)).toBeLessThan(15);
    expect(warnings).toEqual([]);
  });

  it("ends a recording as stopped by the user when the app stops mid-session", async () => {
    const { log } = await sessionInItsFirstSet();
    log.close();
    const lines = recordingLines();
    expect(lines.at(-2)).toMatchObject({ type: "host", note: "interrupted: the cuff app stopped" });
    expect(lines.at(-1)).toMatchObject({ type: "session-end", outcome: "stopped" });
    expect(readHistoryEntry(join(folder!, "2026-05-04T10-20-30-ana-leg.jsonl"))!.ended).toBe("stopped by the user");
  });
});
