/**
 * The README's screenshots of the cuff app: `cuff app --sim` at speed, a session
 * started from the page, caught in its second set on a laptop (1280 x 800) and in
 * the rest after it on a phone (390 x 844), in Debian's chromium.
 *
 *   npx tsx scripts/app-screenshots.ts [OUT_DIR]     (default docs/screenshots)
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { LAPTOP, launchBrowser, PHONE, startApp } from "../bench/app/browser.ts";

const out = resolve(process.argv[2] ?? "docs/screenshots");
mkdirSync(out, { recursive: true });
const app = await startApp(["--sim", "--speed", "8", "--listen", "127.0.0.1:0"], {
  name: "screenshots: thigh, 80 % LOP",
  seed: 7,
  limb: "leg",
  subject: { lopMmhg: 198 },
  plan: { sets: [30, 15, 15, 15], restSeconds: 30, target: { percentLop: 80 }, lop: "measure" },
});
const browser = await launchBrowser();
try {
  // one page, the one that runs the session: first at a laptop's size, then at a phone's
  const page = await browser.newPage({ viewport: LAPTOP });
  await page.goto(app.url);
  await page.getByRole("status").filter({ hasText: "vented" }).waitFor();
  await page.getByRole("button", { name: "Start session" }).click();
  await page.locator("#count-set").filter({ hasText: "2/4" }).waitFor({ timeout: 120_000 });
  await page.locator("#count-rep").filter({ hasText: /^(6|7|8|9)\/15$/ }).waitFor({ timeout: 60_000 });
  await page.screenshot({ path: join(out, "app-laptop.png") });
  await page.setViewportSize(PHONE);
  await page.locator("#phase").filter({ hasText: "Rest after set 2" }).waitFor({ timeout: 120_000 });
  await page.evaluate("window.scrollTo(0, 0)");
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(out, "app-phone.png") });
  console.log(`wrote ${join(out, "app-laptop.png")} and ${join(out, "app-phone.png")}`);
} finally {
  await browser.close();
  await app.stop();
}
