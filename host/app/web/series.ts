/**
 * A pressure trace of any length drawn with a bounded number of points: samples
 * are kept in buckets of equal count, each bucket drawn as its lowest and its
 * highest sample (in time order), and neighbouring buckets merge whenever there
 * are too many. An hour at 20 Hz (72 000 samples) is drawn as at most
 * `maxBuckets` x 2 points, and no peak or valley disappears from the chart.
 * Appending costs O(1) amortised.
 */

interface Bucket {
  count: number;
  minT: number;
  min: number;
  maxT: number;
  max: number;
  /** The target and LOP of the bucket's last sample (they change in steps). */
  target: number | null;
  lop: number | null;
}

export interface DrawnSeries {
  t: number[];
  mmhg: number[];
  target: (number | null)[];
  lop: (number | null)[];
}

export class DecimatedSeries {
  private buckets: Bucket[] = [];
  private perBucket = 1;
  private total = 0;

  constructor(private readonly maxBuckets = 1200) {}

  get samples(): number {
    return this.total;
  }

  get firstT(): number | null {
    return this.buckets[0]?.minT ?? null;
  }

  append(t: number, mmhg: number, target: number | null, lop: number | null): void {
    this.total++;
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.count < this.perBucket) {
      last.count++;
      if (mmhg < last.min) [last.min, last.minT] = [mmhg, t];
      if (mmhg > last.max) [last.max, last.maxT] = [mmhg, t];
      last.target = target;
      last.lop = lop;
      return;
    }
    this.buckets.push({ count: 1, minT: t, min: mmhg, maxT: t, max: mmhg, target, lop });
    if (this.buckets.length > this.maxBuckets) this.halve();
  }

  clear(): void {
    this.buckets = [];
    this.perBucket = 1;
    this.total = 0;
  }

  /** The points to draw, in time order. */
  drawn(): DrawnSeries {
    const out: DrawnSeries = { t: [], mmhg: [], target: [], lop: [] };
    for (const b of this.buckets) {
      const pair = b.minT <= b.maxT ? [[b.minT, b.min], [b.maxT, b.max]] : [[b.maxT, b.max], [b.minT, b.min]];
      for (const [i, [t, mmhg]] of pair.entries()) {
        if (i === 1 && t === pair[0]![0]) continue;
        out.t.push(t!);
        out.mmhg.push(mmhg!);
        out.target.push(b.target);
        out.lop.push(b.lop);
      }
    }
    return out;
  }

  /** Merge neighbouring buckets: half as many, each twice as long. */
  private halve(): void {
    const merged: Bucket[] = [];
    for (let i = 0; i < this.buckets.length; i += 2) {
      const a = this.buckets[i]!;
      const b = this.buckets[i + 1];
      if (!b) {
        merged.push(a);
        continue;
      }
      merged.push({
        count: a.count + b.count,
        ...(b.min < a.min ? { min: b.min, minT: b.minT } : { min: a.min, minT: a.minT }),
        ...(b.max > a.max ? { max: b.max, maxT: b.maxT } : { max: a.max, maxT: a.maxT }),
        target: b.target,
        lop: b.lop,
      });
    }
    this.buckets = merged;
    this.perBucket *= 2;
  }
}
