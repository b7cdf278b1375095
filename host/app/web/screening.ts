/**
 * The safety screen of the command line, on the page: asked before the first
 * session with a real cuff; "none applies" is remembered in this browser, any
 * "yes" stops with the advice to see a clinician. The simulated cuff skips it.
 */
import { CLINICIAN_ADVICE, CONTRAINDICATIONS } from "../../profile/screen.ts";
import { byId, show } from "./dom.ts";

const SCREENED_KEY = "cuff.screened";

export class Screening {
  private readonly section = byId("screening");
  private readonly stop = byId("screening-stop");
  private waiting: ((passed: boolean) => void) | null = null;

  constructor(private readonly storage: Storage | null) {
    const list = byId("screening-list");
    for (const question of CONTRAINDICATIONS) {
      const item = document.createElement("li");
      item.textContent = question;
      list.append(item);
    }
    byId("screening-no").addEventListener("click", () => {
      this.storage?.setItem(SCREENED_KEY, new Date().toISOString());
      show(this.section, false);
      this.finish(true);
    });
    byId("screening-yes").addEventListener("click", () => {
      this.stop.textContent = `Stop here: ${CLINICIAN_ADVICE}.`;
      show(this.stop, true);
      this.finish(false);
    });
  }

  get passed(): boolean {
    return Boolean(this.storage?.getItem(SCREENED_KEY));
  }

  /** Resolves true once the person says none applies (at once if they already did). */
  ask(): Promise<boolean> {
    if (this.passed) return Promise.resolve(true);
    show(this.section, true);
    show(this.stop, false);
    this.section.scrollIntoView({ behavior: "smooth", block: "start" });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  private finish(passed: boolean): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.(passed);
  }
}
