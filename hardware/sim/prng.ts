/**
 * Small seeded random numbers for the simulator (mulberry32): the same seed
 * gives the same scenario run, bit for bit. Math.random is never used.
 */
export class Prng {
  private state: number;
  private spareGaussian = 0;
  private hasSpare = false;

  /** `stream` separates independent sequences drawn from one scenario seed. */
  constructor(seed: number, stream = 0) {
    this.state = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
    for (let i = 0; i < 4; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Standard normal (Box-Muller, both values used). */
  gaussian(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareGaussian;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareGaussian = r * Math.sin(2 * Math.PI * v);
    this.hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Normal with a mean and standard deviation, clipped to [min, max]. */
  clippedNormal(mean: number, sd: number, min: number, max: number): number {
    return Math.min(max, Math.max(min, mean + sd * this.gaussian()));
  }
}
