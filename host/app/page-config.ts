/** What the server tells the page in the page itself (no endpoint of its own): where the cuff is and the plan it was given. */
import type { Limb, PlanInput } from "../../shared/plan.ts";

export interface PageConfig {
  /** The simulated cuff: nobody's limb, so no safety screen. */
  sim: boolean;
  /** Where the cuff is, for the header ("simulated cuff", "/dev/ttyUSB0"). */
  source: string;
  /** Path of the cuff link's WebSocket, relative to the page. */
  linkPath: string;
  /** Path of the recordings folder, relative to the page. */
  recordsPath: string;
  limb: Limb | null;
  /** The plan the app was started with (a scenario's), for the form; null for the form's defaults. */
  plan: PlanInput | null;
  /**
   * The key this page proves in its cuff link hello (64 hex digits), new each time the app
   * starts: only a page the server served (to a request it admitted) commands the cuff; any
   * other WebSocket peer may read status and deflate.
   */
  pageKey: string;
}
