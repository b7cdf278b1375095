/** The browser tests' gate: skip loudly without chromium, fail under CI. */
import { existsSync } from "node:fs";
import { describe, it } from "vitest";
import { CHROMIUM } from "../../bench/app/browser.ts";

export { LAPTOP, launchBrowser, PHONE, type RunningApp, startApp, startCommand } from "../../bench/app/browser.ts";

/** describe() when chromium is installed; otherwise a loud skip, or a failure under CI. */
export function describeBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
    return;
  }
  const message = `chromium missing (${CHROMIUM}): run scripts/install-test-tools.sh`;
  if (process.env.CI === "true" || process.env.CI === "1") {
    describe(name, () => {
      it("has chromium installed", () => {
        throw new Error(message);
      });
    });
    return;
  }
  console.warn(`\n*** browser tests SKIPPED: ${message} ***\n`);
  describe.skip(name, body);
}

