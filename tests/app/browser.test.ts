/**
 * The cuff app in a real browser (Debian's chromium through playwright-core):
 * what a lifter sees and does on a phone, on the simulated cuff at speed.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { socatAvailable } from "../../hardware/sim/pty.ts";
import { describeBrowser, launchBrowser, PHONE, type RunningApp, startApp, startCommand } from "./browser-rig.ts";

/** A leg with a known LOP (no measurement to wait for), two short sets. */
const SCENARIO = {
  name: "browser test: thigh at 60 % of a known LOP",
  seed: 4,
  limb: "leg",
  subject: { lopMmhg: 195 },
  plan: { sets: [12, 12], restSeconds: 20, target: { percentLop: 60 }, lop: 195 },
};

const mmhgOf = async (page: Page) => Number(await page.getByRole("meter", { name: "Cuff pressure" }).getAttribute("aria-valuenow"));

describeBrowser("the cuff app in a browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("on a phone: a session starts, the meter rises, the counters move, Deflate vents the cuff, and the history lists it", async () => {
    const app = await startApp(["--sim", "--speed", "20", "--listen", "127.0.0.1:0"], SCENARIO);
    const page = await browser.newPage({ viewport: PHONE });
    try {
      await page.goto(app.url);
      const status = page.getByRole("status");
      await expect.poll(() => status.textContent(), { timeout: 15_000 }).toContain("vented");
      await page.getByRole("button", { name: "Start session" }).click();
      await expect.poll(() => mmhgOf(page), { timeout: 30_000 }).toBeGreaterThan(100);
      await expect.poll(() => page.locator("#count-rep").textContent(), { timeout: 30_000 }).toMatch(/^([2-9]|1\d)\/12$/);
      expect(await page.locator("#count-set").textContent()).toMatch(/^[12]\/2$/);
      expect(await status.textContent()).not.toContain("vented");
      const deflate = page.getByRole("button", { name: "Deflate" });
      await expect.poll(() => deflate.isVisible()).toBe(true);
      await deflate.click();
      await expect.poll(() => status.textContent(), { timeout: 15_000 }).toContain("vented");
      await expect.poll(() => mmhgOf(page), { timeout: 15_000 }).toBeLessThan(15);
      // the session is recorded, and the history lists it with how it ended
      const past = page.locator("#history-list li");
      await expect.poll(() => past.first().textContent(), { timeout: 15_000 }).toMatch(/leg · stopped by the user/);
      expect(await past.count()).toBe(1);
      // opened, it is drawn from its recording
      await past.first().getByRole("button").click();
      const chart = page.getByRole("img", { name: /Pressure of the session of/ });
      await expect.poll(() => chart.isVisible(), { timeout: 10_000 }).toBe(true);
      expect(await chart.locator("canvas").count()).toBe(1);
    } finally {
      await page.close();
      expect(await app.stop()).toBe(0);
    }
  });

  it("an injected fault shows its alarm, and the cuff is left with its pump off and its vent open", async () => {
    const app = await startApp(["--sim", "--speed", "20", "--listen", "127.0.0.1:0"], { ...SCENARIO, faults: [{ at: 90, kind: "sensor-disconnect" }] });
    const page = await browser.newPage({ viewport: PHONE });
    try {
      await page.goto(app.url);
      await expect.poll(() => page.getByRole("status").textContent(), { timeout: 15_000 }).toContain("vented");
      await page.getByRole("button", { name: "Start session" }).click();
      const alarm = page.getByRole("alert").filter({ hasText: /sensor/i });
      await expect.poll(() => alarm.isVisible(), { timeout: 30_000 }).toBe(true);
      await expect.poll(() => page.getByRole("status").textContent(), { timeout: 15_000 }).toContain("fault: pump off, vent open");
      expect(await page.getByRole("button", { name: "Deflate" }).isVisible()).toBe(true);
    } finally {
      await page.close();
      expect(await app.stop()).toBe(0);
    }
  });

  it("a listener on the network refuses a request without the token, and serves one with it", async () => {
    const app: RunningApp = await startApp(["--sim", "--speed", "5", "--listen", "0.0.0.0:0"]);
    const token = new URL(app.url).searchParams.get("token");
    const port = new URL(app.url).port;
    // only loopback traffic: the listener is on every interface, the requests go to 127.0.0.1
    const local = `http://127.0.0.1:${port}/`;
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    try {
      expect(token).toMatch(/^[\w-]{32,}$/);
      const refused = await page.goto(local);
      expect(refused?.status()).toBe(401);
      expect(await page.getByRole("meter", { name: "Cuff pressure" }).count()).toBe(0);
      const wrong = await page.goto(`${local}?token=${"x".repeat(32)}`);
      expect(wrong?.status()).toBe(401);
      const served = await page.goto(`${local}?token=${token}`);
      expect(served?.status()).toBe(200);
      expect(new URL(page.url()).search).toBe("");
      await expect.poll(() => page.getByRole("status").textContent(), { timeout: 15_000 }).toContain("vented");
      // the cookie carries the token from now on, the page's WebSocket included
      const again = await page.goto(local);
      expect(again?.status()).toBe(200);
      await expect.poll(() => page.getByRole("meter", { name: "Cuff pressure" }).getAttribute("aria-valuenow"), { timeout: 15_000 }).toMatch(/^\d+$/);
      await expect.poll(() => page.locator("#connection").textContent(), { timeout: 15_000 }).toBe("connected");
    } finally {
      await context.close();
      expect(await app.stop()).toBe(0);
    }
  });
});

describeBrowser("the cuff app on a cuff link", () => {
  it("asks the safety screen before the first session on a real cuff's path: a yes stops it, none starts it", async () => {
    if (!socatAvailable()) return;
    // the firmware on the simulated cuff serving its link on a pseudo-terminal: to the app, a cuff on --port
    const firmware = await startCommand(["firmware", "--board", "sim", "--link", "pty"]);
    const app = await startApp(["--port", firmware.firstLine, "--listen", "127.0.0.1:0"]);
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: PHONE });
    try {
      await page.goto(app.url);
      const status = page.getByRole("status");
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain("vented");
      await page.getByRole("combobox", { name: "LOP source" }).selectOption("known");
      await page.getByLabel("Known LOP in mmHg").fill("190");
      await page.getByRole("textbox", { name: "Target" }).fill("40");
      const start = page.getByRole("button", { name: "Start session" });
      await start.click();
      const screen = page.getByRole("region", { name: "Before your first session" });
      await expect.poll(() => screen.isVisible()).toBe(true);
      await page.getByRole("button", { name: "Yes, one applies" }).click();
      await expect.poll(() => page.getByText(/see one first/).isVisible()).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await status.textContent()).toContain("vented");
      expect(await mmhgOf(page)).toBeLessThan(15);
      // asked again, and none applies: the session starts (zeroing first), and Deflate ends it
      await start.click();
      await page.getByRole("button", { name: "None of these applies to me" }).click();
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toMatch(/zeroing|inflating/);
      expect(await screen.isVisible()).toBe(false);
      await page.getByRole("button", { name: "Deflate" }).click();
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toContain("vented");
      await expect.poll(() => page.locator("#notice").textContent()).toBe("Deflated: the session was stopped.");
    } finally {
      await browser.close();
      expect(await app.stop()).toBe(0);
      await firmware.stop();
    }
  });
});
