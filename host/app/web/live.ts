/**
 * The live panel: the meter (an ARIA meter named "Cuff pressure" whose value is
 * the pressure in mmHg), the status line, the phase, and the set, rep and rest
 * counters, all from one SessionView.
 */
import { HARD_CEILING_MMHG } from "../../../shared/limits.ts";
import type { PlanMode } from "../../../shared/plan.ts";
import type { SessionView } from "../../display/view.ts";
import { byId, setText, show } from "./dom.ts";
import { clockText, phaseWords, stateWords } from "./words.ts";

const BAND_FRACTION = 0.1;

const percentOfScale = (mmhg: number) => `${Math.max(0, Math.min(100, (mmhg / HARD_CEILING_MMHG) * 100)).toFixed(2)}%`;

export class LivePanel {
  private readonly meter = byId("meter");
  private readonly mmhg = byId("mmhg");
  private readonly fill = byId("meter-fill");
  private readonly band = byId("meter-band");
  private readonly lopMark = byId("meter-lop");
  private readonly status = byId("status");
  private readonly phase = byId("phase");
  private readonly set = byId("count-set");
  private readonly rep = byId("count-rep");
  private readonly remaining = byId("count-remaining");
  private readonly remainingLabel = byId("label-remaining");
  private readonly target = byId("count-target");
  private readonly lop = byId("count-lop");
  private readonly setDone = byId<HTMLButtonElement>("set-done");

  /** The pressure only: called on every telemetry frame, so it reaches the screen on the next paint. */
  pressure(mmhg: number): void {
    const whole = Math.max(0, Math.round(mmhg));
    this.meter.setAttribute("aria-valuenow", String(whole));
    this.meter.setAttribute("aria-valuetext", `${whole} mmHg`);
    setText(this.mmhg, String(whole));
    this.fill.style.width = percentOfScale(mmhg);
  }

  render(view: SessionView, mode: PlanMode | null): void {
    if (view.mmhg !== null) this.pressure(view.mmhg);
    setText(this.status, stateWords(view.state));
    this.status.classList.toggle("fault", view.state === "fault");
    setText(this.phase, this.phaseLine(view, mode));
    const sets = view.plannedSets;
    setText(this.set, view.set > 0 ? (sets ? `${view.set}/${sets.length}` : String(view.set)) : "–");
    const planned = sets?.[view.set - 1];
    setText(this.rep, view.set > 0 && sets ? (planned !== undefined ? `${view.rep}/${planned}` : String(view.rep)) : "–");
    setText(this.remainingLabel, view.phase === "rest" ? "Rest left" : "Time left");
    setText(this.remaining, view.remaining !== null ? clockText(view.remaining) : "–");
    setText(this.target, view.target !== null ? String(Math.round(view.target)) : "–");
    setText(this.lop, view.lop !== null ? String(Math.round(view.lop)) : "–");
    show(this.band, view.target !== null);
    if (view.target !== null) {
      this.band.style.left = percentOfScale(view.target * (1 - BAND_FRACTION));
      this.band.style.width = percentOfScale(view.target * 2 * BAND_FRACTION);
    }
    show(this.lopMark, view.lop !== null);
    if (view.lop !== null) this.lopMark.style.left = percentOfScale(view.lop);
    show(this.setDone, view.phase === "set" && sets !== null);
  }

  private phaseLine(view: SessionView, mode: PlanMode | null): string {
    if (mode === "continuous" && view.phase === "set") return "Holding - keep moving";
    if (mode === "cycle" && view.phase === "set") return `Cycle ${view.set}: holding`;
    if (mode === "cycle" && view.phase === "rest") return `Cycle ${view.set}: short release`;
    if (view.phase === "set") return view.plannedSets ? `Set ${view.set} of ${view.plannedSets.length}` : `Set ${view.set}`;
    if (view.phase === "rest") return `Rest after set ${view.set} - cuff stays inflated`;
    return phaseWords(view.phase);
  }
}
