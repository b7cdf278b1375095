/**
 * The cuff app's goals, measured in Debian's chromium on a phone viewport
 * (390 x 844) against the app's own server, hub and page, with the simulated
 * cuff in this process (so the cuff's actuators and the page share one clock):
 *
 * 1. Deflate: from the press on the page to pump off and vent open at the cuff
 *    (goal: under 200 ms of link time), at real-time speed, mid-set.
 * 2. Telemetry to screen: from the host receiving a telemetry frame from the cuff
 *    to the first animation frame of the page that shows its pressure (goal:
 *    under 100 ms).
 * 3. A 1 h session's chart: an hour of telemetry at 20 Hz fed to the page, then
 *    15 s live at 20 Hz with the CPU slowed 4x (as on a phone): the page's frame
 *    times (goal: smooth, i.e. frames within about 50 ms); and the chart alone
 *    (the page's PressureChart on a blank page, 72 000 samples, then 20 Hz): the
 *    cost of each redraw, which other programs on the machine do not blur.
 *
 *   npx tsx bench/app/goals.ts [--trials N] [--only deflate|chart|alone] [--json]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SystemClock, ManualClock } from "../../shared/clock.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";
import { createSimStack, type SimStack } from "../../hardware/sim/sim-stack.ts";
import { SimulatedAthlete } from "../../hardware/sim/athlete.ts";
import { CuffClient } from "../../host/client/client.ts";
import { duplexConnector } from "../../host/client/stream-port.ts";
import { LinkHub } from "../../host/app/hub/link-hub.ts";
import { startAppServer } from "../../host/app/server/app-server.ts";
import { bundlePageScript, uplotStyleSheet } from "../../host/app/server/assets.ts";
import { runSession } from "../../host/session/runner.ts";
import { PlanSchema } from "../../shared/plan.ts";
import { newPairingKey, parsePairingKey } from "../../shared/protocol/pairing.ts";
import { launchBrowser, PHONE } from "./browser.ts";
import { summarise, type Spread } from "./stats.ts";

const args = process.argv.slice(2);
const TRIALS = Number(args[args.indexOf("--trials") + 1] ?? 5) || 5;
const JSON_OUT = args.includes("--json");
/** --only deflate|chart|alone: the Deflate and telemetry timings, the charts, or the chart alone. */
const ONLY = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
const epochMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SCENARIO = parseScenario({
  name: "app bench: thigh at 70 % of a known LOP",
  seed: 21,
  limb: "leg",
  subject: { lopMmhg: 195 },
  plan: { sets: [30, 15, 15, 15], restSeconds: 30, target: { percentLop: 70 }, lop: 195 },
});
const PLAN = PlanSchema.parse(SCENARIO.plan);

/** The simulated cuff in virtual time, run at `speed` virtual seconds per wall second (Infinity: flat out). */
class Driver {
  speed = 1;
  private stopped = false;
  private readonly done: Promise<void>;
  constructor(private readonly stack: SimStack) {
    this.done = this.loop();
  }
  private async loop(): Promise<void> {
    let wall = performance.now();
    let owed = 0;
    while (!this.stopped) {
      if (!Number.isFinite(this.speed)) {
        await this.stack.advance(0.1);
        wall = performance.now();
        owed = 0;
        continue;
      }
      const now = performance.now();
      owed += ((now - wall) / 1000) * this.speed;
      wall = now;
      const step = Math.floor(Math.min(owed, 0.1) * 100) / 100;
      if (step >= 0.01) {
        await this.stack.advance(step);
        owed -= step;
      } else {
        await sleep(5);
      }
    }
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

/** Runs in the page before its own script: timestamps on the page's clock, on the same epoch as this process. */
const PAGE_PROBE = `
window.__bench = { clickAt: null, deflateSentAt: null, ventFrameAt: null, shownAt: null, recording: false, shown: [], frames: [] };
const Original = window.WebSocket;
window.WebSocket = class extends Original {
  constructor(...a) {
    super(...a);
    this.addEventListener("message", (event) => {
      const at = performance.timeOrigin + performance.now();
      const text = String(event.data);
      if (!text.includes('"type":"telemetry"')) return;
      const m = JSON.parse(text.slice(0, text.lastIndexOf("|")));
      const b = window.__bench;
      if (b.deflateSentAt !== null && b.ventFrameAt === null && m.pump === 0 && m.vent === 1) b.ventFrameAt = at;
      if (b.recording) requestAnimationFrame(() => {
        const meter = document.querySelector('[role="meter"]');
        b.shown.push([m.t, performance.timeOrigin + performance.now(), Number(meter.getAttribute("aria-valuenow")) === Math.max(0, Math.round(m.mmhg))]);
      });
    });
  }
  send(data) {
    if (String(data).includes('"type":"deflate"') && window.__bench.deflateSentAt === null) window.__bench.deflateSentAt = performance.timeOrigin + performance.now();
    super.send(data);
  }
};
document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest("#deflate")) window.__bench.clickAt = performance.timeOrigin + performance.now();
}, true);
new MutationObserver(() => {
  const b = window.__bench;
  const status = document.querySelector('[role="status"]');
  if (b.clickAt !== null && b.shownAt === null && /deflating|vented/.test(status.textContent)) {
    requestAnimationFrame(() => { if (b.shownAt === null) b.shownAt = performance.timeOrigin + performance.now(); });
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
`;

interface Rig {
  clock: ManualClock;
  stack: SimStack;
  client: CuffClient;
  driver: Driver;
  hub: LinkHub;
  url: string;
  close(): Promise<void>;
}

async function rig(maxTelemetryHz: number): Promise<Rig> {
  const clock = new ManualClock();
  const stack = createSimStack({ clock, scenario: SCENARIO });
  const driver = new Driver(stack);
  const client = await CuffClient.open({ connect: duplexConnector(() => stack.hostStream), clock, label: "the simulated cuff" });
  const athlete = new SimulatedAthlete(client, stack.plant, clock, () => 0.5);
  const pageKey = newPairingKey();
  const hub = new LinkHub({ upstream: client, clock: new SystemClock(), maxTelemetryHz, pageKey: parsePairingKey(pageKey)! });
  const server = await startAppServer({ hub, host: "127.0.0.1", port: 0, token: "unused-on-loopback", recordsFolder: null, config: { sim: true, source: "simulated cuff", limb: "leg", plan: SCENARIO.plan, pageKey } });
  return {
    clock,
    stack,
    client,
    driver,
    hub,
    url: server.url,
    async close() {
      athlete.dispose();
      hub.close();
      await server.close();
      await client.close();
      await driver.stop();
      await stack.close();
    },
  };
}

async function deflateAndLatency(): Promise<{ deflate: Record<string, number>[]; toScreen: number[]; shownRight: number }> {
  const r = await rig(50);
  const browser = await launchBrowser();
  const deflate: Record<string, number>[] = [];
  const toScreen: number[] = [];
  let shownRight = 0;
  let shownTotal = 0;
  try {
    const page = await browser.newPage({ viewport: PHONE });
    await page.addInitScript(PAGE_PROBE);
    await page.goto(r.url);
    await page.getByRole("status").filter({ hasText: "vented" }).waitFor();
    // host-side arrival time of each telemetry frame, by its firmware time
    const hostArrival = new Map<number, number>();
    r.client.telemetry$.subscribe((m) => hostArrival.set(m.t, epochMs()));
    // the cuff's actuators, timed where the firmware sets them
    let armedAt: number | null = null;
    let pumpOffAt: number | null = null;
    let ventOpenAt: number | null = null;
    const board = r.stack.board;
    const setPump = board.setPump.bind(board);
    const setVent = board.setVent.bind(board);
    board.setPump = (duty: number) => {
      if (armedAt !== null && pumpOffAt === null && duty === 0) pumpOffAt = epochMs();
      setPump(duty);
    };
    board.setVent = (opening: number) => {
      if (armedAt !== null && ventOpenAt === null && opening >= 1) ventOpenAt = epochMs();
      setVent(opening);
    };
    for (let trial = 0; trial < TRIALS; trial++) {
      await page.getByRole("button", { name: "Start session" }).click();
      await page.locator("#phase").filter({ hasText: /^Set 1/ }).waitFor({ timeout: 120_000 });
      await sleep(3000);
      // telemetry to screen, while the set runs
      await page.evaluate("window.__bench.shown = []; window.__bench.recording = true");
      await sleep(4000);
      const shown = (await page.evaluate("window.__bench.recording = false, window.__bench.shown")) as [number, number, boolean][];
      for (const [t, at, right] of shown) {
        const arrived = hostArrival.get(t);
        if (arrived === undefined) continue;
        toScreen.push(at - arrived);
        shownTotal++;
        if (right) shownRight++;
      }
      // Deflate, mid-set
      await page.evaluate("Object.assign(window.__bench, { clickAt: null, deflateSentAt: null, ventFrameAt: null, shownAt: null })");
      armedAt = epochMs();
      pumpOffAt = null;
      ventOpenAt = null;
      await page.getByRole("button", { name: "Deflate" }).click();
      await page.getByRole("status").filter({ hasText: "vented" }).waitFor({ timeout: 60_000 });
      const b = (await page.evaluate("window.__bench")) as Record<string, number | null>;
      const clickAt = b.clickAt!;
      const actuated = Math.max(pumpOffAt ?? Number.NaN, ventOpenAt ?? Number.NaN);
      deflate.push({
        pressToFrameSentMs: b.deflateSentAt! - clickAt,
        linkToActuatorsMs: actuated - b.deflateSentAt!,
        pressToActuatorsMs: actuated - clickAt,
        pressToPageSeesVentMs: b.ventFrameAt! - clickAt,
        pressToScreenMs: b.shownAt! - clickAt,
      });
      armedAt = null;
      // the firmware enforces a deflated rest between exercises
      await sleep(62_000);
    }
  } finally {
    await browser.close();
    await r.close();
  }
  return { deflate, toScreen, shownRight: shownTotal === 0 ? 0 : shownRight / shownTotal };
}

async function hourLongChart(): Promise<Record<string, unknown>> {
  // every frame to the page, so an hour of telemetry reaches its chart in about a minute
  const r = await rig(Number.POSITIVE_INFINITY);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: PHONE });
    await page.goto(r.url);
    await page.getByRole("status").filter({ hasText: "vented" }).waitFor();
    r.driver.speed = Number.POSITIVE_INFINITY;
    // sessions back to back for an hour of cuff time, the firmware's deflated rest between them
    const hourEnds = r.clock.nowSeconds() + 3600;
    const sessions = (async () => {
      let count = 0;
      while (r.clock.nowSeconds() < hourEnds) {
        try {
          await runSession({ client: r.client, clock: r.clock, limb: "leg", plan: PLAN });
          count++;
        } catch {
          await sleep(20);
        }
      }
      return count;
    })();
    const wallStart = performance.now();
    while (r.clock.nowSeconds() < hourEnds) await sleep(200);
    const feedSeconds = (performance.now() - wallStart) / 1000;
    r.driver.speed = 1;
    await r.client.deflate().catch(() => undefined);
    const sessionCount = await Promise.race([sessions, sleep(5000).then(() => null)]);
    await sleep(5000);
    const client = await page.context().newCDPSession(page);
    await client.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    const frames = (await page.evaluate(`new Promise((resolve) => {
      const deltas = []; let last = null; const end = performance.now() + 15000;
      const longTasks = [];
      try { new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: "longtask" }); } catch {}
      const step = (now) => { if (last !== null) deltas.push(now - last); last = now; if (now < end) requestAnimationFrame(step); else resolve({ deltas, longTasks }); };
      requestAnimationFrame(step);
    })`)) as { deltas: number[]; longTasks: number[] };
    await client.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    const drawn = (await page.evaluate(`document.querySelectorAll("#chart canvas").length`)) as number;
    return {
      cuffSecondsFed: 3600,
      feedWallSeconds: Number(feedSeconds.toFixed(1)),
      sessionsInTheHour: sessionCount,
      chartCanvases: drawn,
      cpuSlowdown: 4,
      frameMs: summarise(frames.deltas),
      framesOver50Ms: frames.deltas.filter((d) => d > 50).length,
      frames: frames.deltas.length,
      longTasksMs: frames.longTasks.length ? summarise(frames.longTasks) : null,
    };
  } finally {
    await browser.close();
    await r.close();
  }
}

/** The page's chart alone on a phone-sized page: an hour of samples, then 20 Hz live; each redraw timed. */
async function chartAlone(): Promise<Record<string, unknown>> {
  const folder = mkdtempSync(join(tmpdir(), "cuff-chart-bench-"));
  const chartModule = fileURLToPath(new URL("../../host/app/web/chart.ts", import.meta.url));
  const entry = join(folder, "harness.ts");
  writeFileSync(
    entry,
    `import { PressureChart } from ${JSON.stringify(chartModule)};
const chart = new PressureChart(document.getElementById("chart"), { label: "bench" });
const costs = [];
const draw = chart.draw.bind(chart);
// uPlot draws in a microtask after setData: the one queued here runs once it has drawn
chart.draw = () => { const started = performance.now(); draw(); queueMicrotask(() => costs.push(performance.now() - started)); };
const mmhgAt = (t) => (t % 400 < 300 ? 150 + 14 * Math.sin(t * Math.PI) : 5);
for (let i = 0; i < 72000; i++) chart.series.append(i / 20, mmhgAt(i / 20), 150, 195);
window.bench = { costs, live(seconds) {
  return new Promise((resolve) => {
    costs.length = 0;
    let i = 72000;
    const timer = setInterval(() => { chart.append(i / 20, mmhgAt(i / 20), 150, 195); i++; }, 50);
    setTimeout(() => { clearInterval(timer); resolve({ costs: [...costs], samples: chart.series.samples, points: chart.series.drawn().t.length }); }, seconds * 1000);
  });
} };`,
  );
  const browser = await launchBrowser();
  try {
    const script = (await bundlePageScript(entry)).toString("utf8");
    const page = await browser.newPage({ viewport: PHONE });
    await page.setContent(`<style>${uplotStyleSheet().toString("utf8")}</style><div id="chart" style="width:358px;height:210px"></div>`);
    await page.addScriptTag({ content: script });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    const run = (await page.evaluate("window.bench.live(10)")) as { costs: number[]; samples: number; points: number };
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    return { samples: run.samples, pointsDrawn: run.points, redraws: run.costs.length, cpuSlowdown: 4, redrawMs: summarise(run.costs) };
  } finally {
    await browser.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

const link = ONLY === "chart" || ONLY === "alone" ? { deflate: [], toScreen: [], shownRight: 0 } : await deflateAndLatency();
const chart = ONLY === "deflate" || ONLY === "alone" ? {} : await hourLongChart();
const alone = ONLY === "deflate" ? {} : await chartAlone();
const result = {
  trials: TRIALS,
  deflate: {
    pressToFrameSentMs: summarise(link.deflate.map((d) => d.pressToFrameSentMs!)),
    linkToActuatorsMs: summarise(link.deflate.map((d) => d.linkToActuatorsMs!)),
    pressToActuatorsMs: summarise(link.deflate.map((d) => d.pressToActuatorsMs!)),
    pressToPageSeesVentMs: summarise(link.deflate.map((d) => d.pressToPageSeesVentMs!)),
    pressToScreenMs: summarise(link.deflate.map((d) => d.pressToScreenMs!)),
  },
  telemetryToScreenMs: summarise(link.toScreen),
  telemetryFrames: link.toScreen.length,
  meterShowedTheFrame: Number(link.shownRight.toFixed(4)),
  hourLongChart: chart,
  chartAlone: alone,
};
if (JSON_OUT) {
  console.log(JSON.stringify(result));
} else {
  const line = (name: string, s: Spread) => `  ${name.padEnd(44)} median ${s.median.toFixed(1)}  p95 ${s.p95.toFixed(1)}  max ${s.max.toFixed(1)} ms`;
  console.log(`cuff app goals (${TRIALS} Deflate presses mid-set, phone viewport, real-time simulated cuff)`);
  console.log(line("press -> deflate frame leaves the page", result.deflate.pressToFrameSentMs));
  console.log(line("frame leaves the page -> pump off, vent open", result.deflate.linkToActuatorsMs));
  console.log(line("press -> pump off, vent open (goal < 200)", result.deflate.pressToActuatorsMs));
  console.log(line("press -> the page hears pump off, vent open", result.deflate.pressToPageSeesVentMs));
  console.log(line("press -> the status on screen", result.deflate.pressToScreenMs));
  console.log(line(`telemetry -> screen (${result.telemetryFrames} frames, goal < 100)`, result.telemetryToScreenMs));
  console.log(`  the meter showed each frame's pressure in ${(result.meterShowedTheFrame * 100).toFixed(1)} % of frames`);
  console.log(`  1 h chart in the app: ${JSON.stringify(chart)}`);
  console.log(`  the chart alone: ${JSON.stringify(alone)}`);
}
