/**
 * The artery under the cuff, as the bladder feels it (after Babbs 2012: cuff
 * oscillations come from the compressed artery segment). The cuff's pressure reaches
 * the artery fully under its centre and less towards its edges, so the artery is a
 * row of segments, each squeezed by a share q of the transmitted cuff pressure:
 * the centre (q = 1) closes at the LOP and stops the distal pulse; segments under
 * the proximal edge (q < 1) still pulse above it and fade out by
 * LOP x (1 + supraLopTailPercent / 100). Each segment opens as 1 - exp(-x / stiffness)
 * with its transmural pressure x. The edge's share is solved so that the cuff's
 * pulsation at the LOP is pulsationAtLopFraction of the envelope's maximum (in
 * mmHg of cuff pressure, the cuff's own compliance included).
 */

export interface ArteryParams {
  systolic: number;
  diastolic: number;
  /** Highest arterial pressure of any beat: the centre closes against it at the LOP. */
  peakMmhg: number;
  lopMmhg: number;
  arteryStiffnessMmhg: number;
  pulsationAtLopFraction: number;
  supraLopTailPercent: number;
}

/** The centre: squeezed by 98.5-100 % of the transmitted pressure (a flat centre with a soft rim). */
const CENTRE_Q: readonly number[] = [1, 0.995, 0.99, 0.985];
const EDGE_SEGMENTS = 8;
/** Envelope grid for the solve: pressures up to this multiple of the LOP, this many points. */
const GRID_TOP_LOP = 2.5;
const GRID_POINTS = 400;
/** The edge's share is searched up to this many times the centre's weight. */
const MAX_EDGE_WEIGHT = 400;
/** A requested pulsation share the tail cannot give lengthens the tail in these steps, up to MAX_TAIL_PERCENT. */
const TAIL_STEP_PERCENT = 5;
const MAX_TAIL_PERCENT = 400;

function opening(transmuralMmhg: number, stiffnessMmhg: number): number {
  return transmuralMmhg > 0 ? 1 - Math.exp(-transmuralMmhg / stiffnessMmhg) : 0;
}

export class ArteryUnderCuff {
  /** Share of the cuff pressure that reaches the artery under the cuff's centre. */
  readonly transmission: number;
  /** The tail the pulsation share needed (at least the one asked for), % of the LOP. */
  readonly tailPercent: number;
  private readonly q: Float64Array;
  private readonly weight: Float64Array;
  private readonly stiffness: number;

  constructor(
    private readonly params: ArteryParams,
    /** mmHg of cuff pressure per mL of pulsing volume at a cuff pressure (1 / the sealed cuff's compliance). */
    mmhgPerMl: (cuffMmhg: number) => number,
  ) {
    this.transmission = params.peakMmhg / params.lopMmhg;
    this.stiffness = params.arteryStiffnessMmhg;
    this.q = new Float64Array(CENTRE_Q.length + EDGE_SEGMENTS);
    this.weight = new Float64Array(this.q.length);
    const target = params.pulsationAtLopFraction;
    let tail = params.supraLopTailPercent;
    let edgeWeight = 0;
    for (;;) {
      this.layout(tail, 1);
      if (target <= 0) break;
      const ratioAt = (w: number) => this.ratioAtLop(tail, w, mmhgPerMl);
      if (ratioAt(MAX_EDGE_WEIGHT) >= target || tail >= MAX_TAIL_PERCENT) {
        let lo = 0;
        let hi = MAX_EDGE_WEIGHT;
        for (let i = 0; i < 50; i++) {
          const mid = (lo + hi) / 2;
          if (ratioAt(mid) < target) lo = mid;
          else hi = mid;
        }
        edgeWeight = hi;
        break;
      }
      tail += TAIL_STEP_PERCENT;
    }
    this.tailPercent = tail;
    this.layout(tail, edgeWeight);
    // The same largest pulsating volume as the centre alone: the edge reshapes the envelope, it does not enlarge it.
    const scale = this.maxAmplitude(() => 1) / this.maxAmplitudeOfCentre();
    for (let i = 0; i < this.weight.length; i++) this.weight[i]! /= scale;
  }

  /** Open share of the artery (weighted over its segments) at this arterial and cuff pressure. */
  openShare(arterialMmhg: number, cuffMmhg: number): number {
    const squeeze = this.transmission * Math.max(0, cuffMmhg);
    let open = 0;
    for (let i = 0; i < this.q.length; i++) open += this.weight[i]! * opening(arterialMmhg - this.q[i]! * squeeze, this.stiffness);
    return open;
  }

  /** Peak-to-peak of the open share over a beat from diastolic to systolic at a held cuff pressure. */
  amplitude(cuffMmhg: number): number {
    return this.openShare(this.params.systolic, cuffMmhg) - this.openShare(this.params.diastolic, cuffMmhg);
  }

  /** Transmural pressure driving flow past the cuff's centre (0 once it is closed): what reaches the distal limb. */
  distalDriveMmhg(arterialMmhg: number, cuffMmhg: number): number {
    return Math.max(0, arterialMmhg - this.transmission * Math.max(0, cuffMmhg));
  }

  private layout(tailPercent: number, edgeWeight: number): void {
    const qMin = 1 / (1 + tailPercent / 100);
    const centreQ = CENTRE_Q[CENTRE_Q.length - 1]!;
    CENTRE_Q.forEach((q, i) => {
      this.q[i] = q;
      this.weight[i] = 1 / CENTRE_Q.length;
    });
    for (let k = 0; k < EDGE_SEGMENTS; k++) {
      this.q[CENTRE_Q.length + k] = centreQ - ((centreQ - qMin) * (k + 0.5)) / EDGE_SEGMENTS;
      this.weight[CENTRE_Q.length + k] = edgeWeight / EDGE_SEGMENTS;
    }
  }

  private ratioAtLop(tailPercent: number, edgeWeight: number, mmhgPerMl: (mmhg: number) => number): number {
    this.layout(tailPercent, edgeWeight);
    return (this.amplitude(this.params.lopMmhg) * mmhgPerMl(this.params.lopMmhg)) / this.maxAmplitude(mmhgPerMl);
  }

  private maxAmplitude(mmhgPerMl: (mmhg: number) => number): number {
    let max = 0;
    for (let i = 1; i <= GRID_POINTS; i++) {
      const p = (GRID_TOP_LOP * this.params.lopMmhg * i) / GRID_POINTS;
      max = Math.max(max, this.amplitude(p) * mmhgPerMl(p));
    }
    return max;
  }

  private maxAmplitudeOfCentre(): number {
    const { systolic, diastolic } = this.params;
    return opening(systolic - diastolic, this.stiffness);
  }
}
