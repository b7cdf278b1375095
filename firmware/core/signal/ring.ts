/** A fixed-size window of the latest numbers with a running sum: O(1) per sample, no allocation. */
export class RingWindow {
  private readonly data: Float64Array;
  private start = 0;
  private count = 0;
  private total = 0;

  constructor(readonly capacity: number) {
    this.data = new Float64Array(Math.max(1, capacity));
  }

  push(value: number): void {
    if (this.count === this.data.length) {
      this.total -= this.data[this.start]!;
      this.data[this.start] = value;
      this.start = (this.start + 1) % this.data.length;
    } else {
      this.data[(this.start + this.count) % this.data.length] = value;
      this.count++;
    }
    this.total += value;
  }

  get length(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count === this.data.length;
  }

  get sum(): number {
    return this.total;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  /** The oldest value kept. */
  get oldest(): number {
    return this.data[this.start]!;
  }

  /** The value `back` samples before the newest (0: the newest); NaN when not kept. */
  ago(back: number): number {
    if (back < 0 || back >= this.count) return Number.NaN;
    return this.data[(this.start + this.count - 1 - back) % this.data.length]!;
  }

  /** Max minus min (O(n): call it sparingly). */
  spread(): number {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.count; i++) {
      const v = this.data[(this.start + i) % this.data.length]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return this.count === 0 ? 0 : hi - lo;
  }

  /** Oldest first. */
  *values(): Iterable<number> {
    for (let i = 0; i < this.count; i++) yield this.data[(this.start + i) % this.data.length]!;
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
    this.total = 0;
  }
}
