/**
 * The live pressure chart: the cuff pressure, the target with its +-10 % band,
 * and the LOP line, on uPlot. Samples go into a DecimatedSeries, and the chart
 * redraws at most once per animation frame (and no more than `maxRedrawHz`),
 * so an hour-long trace costs the same to draw as a minute.
 */
import uPlot from "uplot";
import { DecimatedSeries } from "./series.ts";

const BAND_FRACTION = 0.1;

const COLOURS = {
  pressure: "#0b6bcb",
  target: "#1a7f37",
  band: "rgba(26, 127, 55, 0.14)",
  lop: "#c62828",
};

function clockLabel(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

export interface ChartOptions {
  maxRedrawHz?: number;
  maxBuckets?: number;
  /** Accessible name of the chart's figure. */
  label: string;
}

export class PressureChart {
  readonly series: DecimatedSeries;
  private readonly plot: uPlot;
  private pending = false;
  private lastDrawMs = 0;
  private readonly minGapMs: number;
  private readonly resizeObserver: ResizeObserver;
  /** Milliseconds spent in the last redraw (the bench reads it). */
  lastDrawCostMs = 0;

  constructor(
    private readonly host: HTMLElement,
    options: ChartOptions,
  ) {
    this.series = new DecimatedSeries(options.maxBuckets ?? 1200);
    this.minGapMs = 1000 / (options.maxRedrawHz ?? 10);
    host.setAttribute("role", "img");
    host.setAttribute("aria-label", options.label);
    const size = this.size();
    this.plot = new uPlot(
      {
        width: size.width,
        height: size.height,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false }, y: { range: (_u, min, max) => [0, Math.max(50, Math.ceil(((max || 0) + 20) / 50) * 50, min)] } },
        axes: [
          { values: (_u, ticks) => ticks.map((t) => clockLabel(t - (this.series.firstT ?? 0))), size: 28, gap: 2 },
          { size: 36, gap: 2, label: "", values: (_u, ticks) => ticks.map(String) },
        ],
        series: [
          {},
          { label: "pressure", stroke: COLOURS.pressure, width: 2, points: { show: false } },
          { label: "band low", stroke: "transparent", points: { show: false } },
          { label: "band high", stroke: "transparent", points: { show: false } },
          { label: "target", stroke: COLOURS.target, width: 1.5, dash: [6, 4], points: { show: false } },
          { label: "LOP", stroke: COLOURS.lop, width: 1.5, dash: [2, 3], points: { show: false } },
        ],
        bands: [{ series: [3, 2], fill: COLOURS.band }],
      },
      [[], [], [], [], [], []],
      host,
    );
    this.resizeObserver = new ResizeObserver(() => this.plot.setSize(this.size()));
    this.resizeObserver.observe(host);
  }

  append(t: number, mmhg: number, target: number | null, lop: number | null): void {
    this.series.append(t, mmhg, target, lop);
    this.schedule();
  }

  /** Draw a whole recorded trace at once (the history). */
  load(points: Iterable<{ t: number; mmhg: number; target: number | null; lop: number | null }>): void {
    this.series.clear();
    for (const p of points) this.series.append(p.t, p.mmhg, p.target, p.lop);
    this.draw();
  }

  clear(): void {
    this.series.clear();
    this.draw();
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot.destroy();
  }

  private size(): { width: number; height: number } {
    const rect = this.host.getBoundingClientRect();
    return { width: Math.max(200, Math.floor(rect.width)), height: Math.max(140, Math.floor(rect.height)) };
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => this.frame());
  }

  private frame(): void {
    const now = performance.now();
    if (now - this.lastDrawMs < this.minGapMs) {
      requestAnimationFrame(() => this.frame());
      return;
    }
    this.pending = false;
    this.lastDrawMs = now;
    this.draw();
  }

  private draw(): void {
    const started = performance.now();
    const d = this.series.drawn();
    const low = d.target.map((x) => (x === null ? null : x * (1 - BAND_FRACTION)));
    const high = d.target.map((x) => (x === null ? null : x * (1 + BAND_FRACTION)));
    this.plot.setData([d.t, d.mmhg, low, high, d.target, d.lop] as uPlot.AlignedData);
    this.lastDrawCostMs = performance.now() - started;
  }
}
