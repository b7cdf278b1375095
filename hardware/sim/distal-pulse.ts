/**
 * The distal pulse sensor: a MAX30102-class reflective PPG clip on a fingertip or
 * toe of the cuffed limb (hardware/bom.json, option "distal-pulse-sensor"). It sees
 * the blood volume pulsing in the tissue beyond the cuff, so its pulse disappears at
 * the cuff pressure where the artery under the cuff's centre no longer opens: the
 * LOP by the Doppler definition.
 *
 * What a board reads is what the chip's FIFO holds: 18-bit infrared ADC counts at
 * 100 samples/s, up to 32 unread samples (older ones are lost, as with the chip's
 * FIFO rollover). Time moves only in advance().
 */
import { Prng } from "./prng.ts";

export const DISTAL_PULSE_SENSOR = {
  /** MAX30102 register map: 7-bit I2C address, FIFO data register, 18-bit samples, 32-deep FIFO. */
  i2cAddress: 0x57,
  fifoDataRegister: 0x07,
  adcBits: 18,
  fifoDepth: 32,
  sampleHz: 100,
  /** Infrared DC at a typical LED current on a fingertip: about half the 18-bit range. */
  dcCounts: 120_000,
  /** Sensor and ambient noise, one standard deviation, as a share of the DC. */
  noiseShareOfDc: 0.0001,
  /** The distal arteries and capillaries smooth the pulse that gets past the cuff (time constant). */
  distalSmoothingSeconds: 0.12,
  /** The finger moves with the limb: DC changes per unit of knock and of contraction (probe-skin coupling). */
  knockShareOfDc: 0.03,
  contractionShareOfDc: 0.01,
} as const;

export interface DistalPulseInputs {
  /** Transmural pressure driving flow past the cuff's centre now (0 once it is closed), mmHg. */
  distalDriveMmhg: number;
  /** The subject's pulse pressure (systolic - diastolic), the drive's swing with no cuff. */
  pulsePressureMmhg: number;
  /** Perfusion index at the sensor site with no cuff: pulsatile share of the light, %. */
  perfusionPercent: number;
  /** Limb movement now: knocks (in units of a typical knock, either sign) and contraction (0..1.5). */
  knock: number;
  contraction: number;
}

export class DistalPulseSensor {
  private readonly noise: Prng;
  private distalMmhg = 0;
  private primed = false;
  private sinceSampleSeconds = 0;
  private readonly fifo: number[] = [];
  private latest = 0;

  constructor(seed: number) {
    this.noise = new Prng(seed, 7);
  }

  /** Move on by dtSeconds; a sample enters the FIFO every 10 ms. */
  advance(dtSeconds: number, inputs: DistalPulseInputs): void {
    const s = DISTAL_PULSE_SENSOR;
    if (!this.primed) {
      this.primed = true;
      this.distalMmhg = inputs.distalDriveMmhg;
    }
    this.distalMmhg += (inputs.distalDriveMmhg - this.distalMmhg) * (1 - Math.exp(-dtSeconds / s.distalSmoothingSeconds));
    this.sinceSampleSeconds += dtSeconds;
    const period = 1 / s.sampleHz;
    while (this.sinceSampleSeconds >= period - 1e-9) {
      this.sinceSampleSeconds -= period;
      this.takeSample(inputs);
    }
  }

  /** The newest sample, raw 18-bit counts (0 before the first). */
  latestCounts(): number {
    return this.latest;
  }

  /** Drain the FIFO as a board does over I2C: the unread samples, oldest first (at most 32). */
  readFifo(): number[] {
    return this.fifo.splice(0);
  }

  private takeSample(inputs: DistalPulseInputs): void {
    const s = DISTAL_PULSE_SENSOR;
    // More blood in the tissue absorbs more light: the reflected infrared dips with each pulse.
    const pulsatile = (inputs.perfusionPercent / 100) * (this.distalMmhg / Math.max(1, inputs.pulsePressureMmhg));
    const movement = s.knockShareOfDc * inputs.knock + s.contractionShareOfDc * inputs.contraction;
    const light = s.dcCounts * (1 - pulsatile + movement + s.noiseShareOfDc * this.noise.gaussian());
    const full = 2 ** s.adcBits - 1;
    this.latest = Math.max(0, Math.min(full, Math.round(light)));
    this.fifo.push(this.latest);
    if (this.fifo.length > s.fifoDepth) this.fifo.shift();
  }
}
