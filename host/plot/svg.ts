/**
 * The session chart: pressure over time, the target with its +-10 % band, the
 * LOP line, sets and rests shaded and labelled, alarms marked. Pure: data in,
 * SVG text out. Readable in a browser at a glance and printable.
 */
import type { PlotData, PlotPoint } from "./load.ts";

export interface SvgOptions {
  width?: number;
  height?: number;
  /** LOP to draw when the data carries none (bench traces). */
  lopMmhg?: number | null;
}

const PHASE_STYLE: Record<string, { fill: string; label: string } | undefined> = {
  set: { fill: "#fde7c8", label: "set" },
  rest: { fill: "#dcebfb", label: "rest" },
  lop: { fill: "#ece1f7", label: "LOP measurement" },
  inflate: { fill: "#eeeeee", label: "inflate" },
  deflate: { fill: "#eeeeee", label: "deflate" },
  fault: { fill: "#f9d0d0", label: "fault" },
};

const COLOR = {
  pressure: "#1f3b73",
  target: "#1b7f3b",
  band: "#7fcf94",
  lop: "#c62828",
  axis: "#333333",
  grid: "#d9d9d9",
  text: "#222222",
  muted: "#666666",
};

interface Segment {
  phase: string;
  from: number;
  to: number;
  set: number | null;
}

export function phaseSegments(points: PlotPoint[]): Segment[] {
  const segments: Segment[] = [];
  for (const p of points) {
    const last = segments.at(-1);
    if (last && last.phase === p.phase && (p.phase !== "set" || last.set === p.set)) {
      last.to = p.t;
      if (last.set === null && p.set !== null) last.set = p.set;
    } else {
      if (last) last.to = p.t;
      segments.push({ phase: p.phase, from: p.t, to: p.t, set: p.set });
    }
  }
  return segments;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function niceStep(range: number, targetTicks: number, steps: number[]): number {
  const raw = range / targetTicks;
  return steps.find((s) => s >= raw) ?? steps.at(-1)!;
}

/** m:ss, or h:mm:ss from an hour on. */
function clockLabel(seconds: number): string {
  const s = Math.round(seconds);
  const mmss = `${String(Math.floor(s / 60) % 60).padStart(s >= 3600 ? 2 : 1, "0")}:${String(s % 60).padStart(2, "0")}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mmss}` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const n1 = (x: number) => x.toFixed(1);

/** Keep the shape of a long trace at the chart's resolution: min and max per pixel column. */
export function downsample(points: PlotPoint[], xOf: (t: number) => number): [number, number][] {
  const out: [number, number][] = [];
  let column = Number.NaN;
  let lo: PlotPoint | null = null;
  let hi: PlotPoint | null = null;
  const flush = () => {
    if (!lo || !hi) return;
    const pair = lo.t <= hi.t ? [lo, hi] : [hi, lo];
    for (const p of pair) out.push([p.t, p.mmhg]);
    if (lo === hi) out.pop();
  };
  for (const p of points) {
    const c = Math.round(xOf(p.t));
    if (c !== column) {
      flush();
      column = c;
      lo = p;
      hi = p;
    } else {
      if (p.mmhg < lo!.mmhg) lo = p;
      if (p.mmhg > hi!.mmhg) hi = p;
    }
  }
  flush();
  return out;
}

/** `notes`: what was clipped or left out of the file (host/plot/checks.ts), shown on the chart. */
export function renderSvg(data: PlotData & { notes?: string[] }, options: SvgOptions = {}): string {
  const width = options.width ?? 1200;
  const height = options.height ?? 600;
  const margin = { left: 72, right: 28, top: 92, bottom: 56 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const points = data.points;
  const lop = data.lopMmhg ?? options.lopMmhg ?? null;
  const t0 = points[0]!.t;
  const t1 = Math.max(points.at(-1)!.t, t0 + 1);
  // a loop, not Math.max(...points): a long recording has more points than a call may take arguments
  let maxPressure = lop ?? 0;
  for (const p of points) maxPressure = Math.max(maxPressure, p.mmhg, (p.target ?? 0) * 1.1);
  const yStep = niceStep(maxPressure * 1.1, 8, [10, 20, 25, 50, 100]);
  const yMax = Math.max(yStep * 2, Math.ceil((maxPressure * 1.08) / yStep) * yStep);
  const x = (t: number) => margin.left + ((t - t0) / (t1 - t0)) * plotW;
  const y = (mmhg: number) => margin.top + plotH - (Math.max(0, Math.min(yMax, mmhg)) / yMax) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);

  // phases, shaded under everything else
  const segments = phaseSegments(points);
  const labelled = new Set<string>();
  for (const s of segments) {
    const style = PHASE_STYLE[s.phase];
    if (!style) continue;
    const x0 = x(s.from);
    const w = Math.max(0.5, x(s.to) - x0);
    out.push(`<rect x="${n1(x0)}" y="${margin.top}" width="${n1(w)}" height="${plotH}" fill="${style.fill}"/>`);
    labelled.add(s.phase);
    const reps = s.set !== null ? data.setReps[s.set] : undefined;
    const counted = reps ? `${reps.counted}/${reps.planned} reps` : "";
    const setLabel = w > 110 && counted ? `set ${s.set ?? ""} · ${counted}` : w > 40 ? `set ${s.set ?? ""}` : `${s.set ?? ""}`;
    const label = s.phase === "set" ? setLabel : s.phase === "rest" && w > 30 ? "rest" : s.phase === "lop" && w > 30 ? "LOP" : "";
    if (label && w > 10) {
      out.push(`<text x="${n1(x0 + w / 2)}" y="${margin.top + 16}" text-anchor="middle" fill="${COLOR.muted}" font-size="12">${escapeXml(label)}</text>`);
    }
  }

  // grid and axes
  for (let v = 0; v <= yMax; v += yStep) {
    const yy = n1(y(v));
    out.push(`<line x1="${margin.left}" y1="${yy}" x2="${margin.left + plotW}" y2="${yy}" stroke="${COLOR.grid}" stroke-width="1"/>`);
    out.push(`<text x="${margin.left - 8}" y="${n1(y(v) + 4)}" text-anchor="end" fill="${COLOR.text}">${v}</text>`);
  }
  const tStep = niceStep(t1 - t0, 12, [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]);
  for (let t = 0; t <= t1 - t0 + 1e-9; t += tStep) {
    const xx = n1(x(t0 + t));
    out.push(`<line x1="${xx}" y1="${margin.top + plotH}" x2="${xx}" y2="${margin.top + plotH + 5}" stroke="${COLOR.axis}"/>`);
    out.push(`<text x="${xx}" y="${margin.top + plotH + 20}" text-anchor="middle" fill="${COLOR.text}">${clockLabel(t)}</text>`);
  }
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="${COLOR.axis}"/>`);
  out.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle" fill="${COLOR.text}">time since start (${t1 - t0 >= 3600 ? "h:min:s" : "min:s"})</text>`,
  );
  out.push(
    `<text transform="translate(20 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="${COLOR.text}">pressure (mmHg)</text>`,
  );

  // target band (+-10 %) and target line, piecewise where a target exists
  const runs: PlotPoint[][] = [];
  for (const p of points) {
    if (p.target === null) {
      if (runs.at(-1)?.length) runs.push([]);
      continue;
    }
    if (runs.length === 0) runs.push([]);
    const run = runs.at(-1)!;
    const prev = run.at(-1);
    if (prev && Math.abs(prev.target! - p.target) > 0.5) {
      runs.push([p]);
      continue;
    }
    run.push(p);
  }
  // a run holds one target: its first and last points draw it at any length
  for (const run of runs.filter((r) => r.length > 1).map((r) => [r[0]!, r.at(-1)!])) {
    const upper = run.map((p) => `${n1(x(p.t))},${n1(y(p.target! * 1.1))}`);
    const lower = run.map((p) => `${n1(x(p.t))},${n1(y(p.target! * 0.9))}`).reverse();
    out.push(`<polygon points="${[...upper, ...lower].join(" ")}" fill="${COLOR.band}" fill-opacity="0.35" stroke="none"/>`);
    out.push(
      `<polyline points="${run.map((p) => `${n1(x(p.t))},${n1(y(p.target!))}`).join(" ")}" fill="none" stroke="${COLOR.target}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    );
  }

  // LOP
  if (lop !== null) {
    const yy = n1(y(lop));
    out.push(`<line x1="${margin.left}" y1="${yy}" x2="${margin.left + plotW}" y2="${yy}" stroke="${COLOR.lop}" stroke-width="1.5" stroke-dasharray="10 5"/>`);
    out.push(`<text x="${margin.left + plotW - 6}" y="${n1(y(lop) - 6)}" text-anchor="end" fill="${COLOR.lop}" font-weight="bold">LOP ${Math.round(lop)} mmHg</text>`);
  }

  // pressure
  const trace = downsample(points, x);
  out.push(
    `<polyline points="${trace.map(([t, p]) => `${n1(x(t))},${n1(y(p))}`).join(" ")}" fill="none" stroke="${COLOR.pressure}" stroke-width="1.3" stroke-linejoin="round"/>`,
  );

  // alarms
  for (const a of data.alarms) {
    if (a.t < t0 || a.t > t1) continue;
    const xx = x(a.t);
    out.push(`<line x1="${n1(xx)}" y1="${margin.top}" x2="${n1(xx)}" y2="${margin.top + plotH}" stroke="${COLOR.lop}" stroke-width="1"/>`);
    out.push(`<text x="${n1(xx + 4)}" y="${margin.top + 32}" fill="${COLOR.lop}" font-size="12" font-weight="bold">! ${escapeXml(a.kind)}</text>`);
  }

  // title, facts and legend
  const targets = runs.filter((r) => r.length > 1).flatMap((r) => r.map((p) => p.target!));
  const setCount = segments.filter((s) => s.phase === "set").length;
  const facts = [
    data.limb ? `${data.limb}` : null,
    lop !== null ? `LOP ${Math.round(lop)} mmHg` : null,
    targets.length ? `target ${Math.round(median(targets))} mmHg${lop ? ` (${Math.round((median(targets) / lop) * 100)} % LOP)` : ""}` : null,
    setCount ? `${setCount} set${setCount > 1 ? "s" : ""}` : null,
    `${clockLabel(t1 - t0)} long`,
    data.ended,
  ].filter(Boolean);
  out.push(`<text x="${margin.left}" y="26" font-size="18" font-weight="bold" fill="${COLOR.text}">${escapeXml(data.title)}</text>`);
  out.push(`<text x="${margin.left}" y="48" fill="${COLOR.muted}">${escapeXml(facts.join("  ·  "))}</text>`);
  if (data.notes?.length) {
    out.push(`<text x="${width - margin.right}" y="26" text-anchor="end" fill="${COLOR.lop}" font-size="12">${escapeXml(`Note: ${data.notes.join("; ")}`)}</text>`);
  }
  const legend: string[] = [];
  let lx = margin.left;
  const ly = 72;
  const item = (swatch: string, label: string) => {
    legend.push(`<g transform="translate(${lx} ${ly})">${swatch}<text x="30" y="4" fill="${COLOR.text}">${escapeXml(label)}</text></g>`);
    lx += 36 + label.length * 7.2;
  };
  item(`<line x1="0" y1="0" x2="24" y2="0" stroke="${COLOR.pressure}" stroke-width="2.5"/>`, data.pressureLabel);
  if (targets.length) {
    item(`<line x1="0" y1="0" x2="24" y2="0" stroke="${COLOR.target}" stroke-width="2" stroke-dasharray="6 4"/>`, "target");
    item(`<rect x="0" y="-6" width="24" height="12" fill="${COLOR.band}" fill-opacity="0.5"/>`, "target +-10 %");
  }
  if (lop !== null) item(`<line x1="0" y1="0" x2="24" y2="0" stroke="${COLOR.lop}" stroke-width="2" stroke-dasharray="10 5"/>`, "limb occlusion pressure");
  for (const phase of ["set", "rest", "lop"]) {
    if (labelled.has(phase)) item(`<rect x="0" y="-7" width="24" height="14" fill="${PHASE_STYLE[phase]!.fill}" stroke="#bbbbbb"/>`, PHASE_STYLE[phase]!.label);
  }
  out.push(...legend);
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
