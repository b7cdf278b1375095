/**
 * What a chart may draw from a file it did not write: pressures inside the
 * physical range (clipped to it, and said), times that are numbers at or after
 * the start (others left out, and said), in order (sorted, and said), spanning
 * one recording (refused otherwise). Labels are cut to a readable length. Pure:
 * data in, data and notes out.
 */
import { MAX_LOP_MMHG, MIN_LOP_MMHG } from "../../shared/limits.ts";
import { type PlotData, PlotInputError, type PlotPoint } from "./load.ts";

/**
 * The chart's pressure range. 400 mmHg is above the 330 mmHg relief valve every
 * blood-pressure cuff has: a reading above it is a failed sensor or a damaged
 * file, drawn at the edge. Below -50 no sensor offset reaches.
 */
export const PLOT_MAX_MMHG = 400;
export const PLOT_MIN_MMHG = -50;
/** Longer than any session or monitor run: times spread wider than this are not one recording. */
export const MAX_PLOT_SPAN_SECONDS = 7 * 86_400;
const MAX_LABEL_CHARS = 120;

export interface CheckedPlotData extends PlotData {
  /** One sentence per thing changed or left out, for the chart and the person. */
  notes: string[];
}

export function checkPlotData(data: PlotData, path: string): CheckedPlotData {
  const notes: string[] = [];
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

  const usable = data.points.filter((p) => Number.isFinite(p.t) && p.t >= 0 && Number.isFinite(p.mmhg));
  const leftOut = data.points.length - usable.length;
  if (usable.length === 0) throw new PlotInputError(`${path} has no sample with a usable time and pressure to draw`);
  if (leftOut > 0) notes.push(`${plural(leftOut, "sample", "samples")} with a negative or unreadable time or pressure left out`);

  let backwards = 0;
  for (let i = 1; i < usable.length; i++) if (usable[i]!.t < usable[i - 1]!.t) backwards++;
  if (backwards > 0) {
    usable.sort((a, b) => a.t - b.t);
    notes.push(`times out of order at ${plural(backwards, "sample", "samples")}: drawn sorted by time`);
  }
  const span = usable.at(-1)!.t - usable[0]!.t;
  if (span > MAX_PLOT_SPAN_SECONDS) {
    throw new PlotInputError(
      `${path} has times from ${usable[0]!.t} to ${usable.at(-1)!.t} s, more than 7 days apart: not one recording (a damaged or edited file)`,
    );
  }

  let above = 0;
  let below = 0;
  const clip = (mmhg: number) => {
    if (mmhg > PLOT_MAX_MMHG) above++;
    if (mmhg < PLOT_MIN_MMHG) below++;
    return Math.min(PLOT_MAX_MMHG, Math.max(PLOT_MIN_MMHG, mmhg));
  };
  const points: PlotPoint[] = usable.map((p) => ({
    ...p,
    mmhg: clip(p.mmhg),
    target: p.target !== null && Number.isFinite(p.target) ? Math.min(PLOT_MAX_MMHG, Math.max(0, p.target)) : null,
    set: p.set !== null && Number.isInteger(p.set) && p.set >= 1 && p.set <= 100 ? p.set : null,
  }));
  if (above > 0) notes.push(`${plural(above, "pressure", "pressures")} above ${PLOT_MAX_MMHG} mmHg drawn clipped at the top edge`);
  if (below > 0) notes.push(`${plural(below, "pressure", "pressures")} below ${PLOT_MIN_MMHG} mmHg drawn clipped at the bottom edge`);

  let lopMmhg = data.lopMmhg;
  if (lopMmhg !== null && !(lopMmhg >= MIN_LOP_MMHG && lopMmhg <= MAX_LOP_MMHG)) {
    notes.push(`the file's LOP of ${lopMmhg} mmHg is outside ${MIN_LOP_MMHG}-${MAX_LOP_MMHG} mmHg: not drawn`);
    lopMmhg = null;
  }
  return {
    ...data,
    title: label(data.title),
    points,
    lopMmhg,
    limb: data.limb === "arm" || data.limb === "leg" ? data.limb : null,
    alarms: data.alarms.filter((a) => Number.isFinite(a.t)).map((a) => ({ t: a.t, kind: label(a.kind) })),
    summary: data.summary ? { ok: data.summary.ok, endReason: label(data.summary.endReason) } : null,
    notes,
  };
}

function label(text: string): string {
  const printable = text.replace(/\p{Cc}/gu, " ");
  return printable.length > MAX_LABEL_CHARS ? `${printable.slice(0, MAX_LABEL_CHARS - 3)}...` : printable;
}
