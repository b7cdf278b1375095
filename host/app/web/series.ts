/**
 * A pressure trace of any length drawn with a bounded number of points: samples
 * are kept in buckets of equal count, each bucket drawn as its lowest and its
 * highest sample (in time order), and neighbouring buckets merge whenever there
 * are too many. An hour at 20 Hz (72 000 samples) is drawn as at most
 * `maxBuckets` x 2 points, and no peak or valley disappears from the chart.
 * Appending costs O(1) amortised, and so does keeping the drawn points: only
 * the last bucket's points change between two draws, until buckets merge.
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
  /** How many points this bucket draws (1 when its lowest and highest sample are one). */
  drawnPoints: number;
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
  private readonly out: DrawnSeries = { t: [], mmhg: [], target: [], lop: [] };

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
      this.unpush(last);
      this.push(last);
      return;
    }
    const bucket: Bucket = { count: 1, minT: t, min: mmhg, maxT: t, max: mmhg, target, lop, drawnPoints: 0 };
    this.buckets.push(bucket);
    if (this.buckets.length > this.maxBuckets) this.halve();
    else this.push(bucket);
  }

  clear(): void {
    this.buckets = [];
    this.perBucket = 1;
    this.total = 0;
    this.rebuild();
  }

  /** The points to draw, in time order (the same arrays, kept up to date: copy them to keep them). */
  drawn(): DrawnSeries {
    return this.out;
  }

  private push(b: Bucket): void {
    const first: [number, number] = b.minT <= b.maxT ? [b.minT, b.min] : [b.maxT, b.max];
    const second: [number, number] = b.minT <= b.maxT ? [b.maxT, b.max] : [b.minT, b.min];
    const points = first[0] === second[0] ? [first] : [first, second];
    for (const [t, mmhg] of points) {
      this.out.t.push(t);
      this.out.mmhg.push(mmhg);
      this.out.target.push(b.target);
      this.out.lop.push(b.lop);
    }
    b.drawnPoints = points.length;
  }

  private unpush(b: Bucket): void {
    for (const key of ["t", "mmhg", "target", "lop"] as const) this.out[key].length -= b.drawnPoints;
    b.drawnPoints = 0;
  }

  private rebuild(): void {
    for (const key of ["t", "mmhg", "target", "lop"] as const) this.out[key].length = 0;
    for (const b of this.buckets) this.push(b);
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
        drawnPoints: 0,
      });
    }
    this.buckets = merged;
    this.perBucket *= 2;
    this.rebuild();
  }
}
