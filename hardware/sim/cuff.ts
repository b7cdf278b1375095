/**
 * The simulated cuff: pneumatics, limb, sensor and faults of one scenario
 * behind the CuffPlant interface. Time moves only in step(); step() allocates
 * nothing in the steady state.
 */
import type { HardwareProfile } from "../profile.ts";
import { targetMmhg } from "../../shared/plan.ts";
import { DistalPulseSensor } from "./distal-pulse.ts";
import { LimbModel } from "./limb.ts";
import { trueLopMmhg } from "./physiology.ts";
import {
  advancePneumatics,
  airComplianceMlPerMmhg,
  initialPneumaticState,
  leakAreaForRateMm2,
  limbVolumeForSealedChangeMl,
  type PneumaticEnvironment,
  type PneumaticParams,
  type PneumaticState,
} from "./pneumatics.ts";
import { LINK_FAULT_KINDS, type CuffPlant, type FaultKind } from "./plant.ts";
import { Prng } from "./prng.ts";
import {
  HOSE_FLOW,
  hoseVolumeMl,
  REFERENCE_CHECK_VALVE,
  REFERENCE_PUMP,
  REFERENCE_RELIEF_VALVE,
  REFERENCE_VENT_VALVE,
} from "./reference-parts.ts";
import { FaultSchema, RELAXED_DROP_SHARE, ScenarioError, type Scenario } from "./scenario.ts";
import { isSensorFault, SimulatedSensor, type SensorFault } from "./sensor.ts";

/** Physics chunk: the sensor's sample period at most, and never across a fault time. */
const MAX_CHUNK_SECONDS = 0.01;
/** Shorter chunks than this are not worth splitting for (float rounding of step times). */
const MIN_CHUNK_SECONDS = 1e-9;
/** A burst bladder: a tear of about 6 mm, CdA 17 mm^2; the pump's whole flow escapes with a fraction of a mmHg. */
const BURST_AREA_MM2 = 17;
/** Default size of a leak fault: a loose connector, 40 mmHg/min at 200 mmHg. */
const DEFAULT_FAULT_LEAK_MMHG_PER_MIN = 40;
/** Lowest pressure the exercise volumes are calibrated at (a target is always well above it). */
const MIN_CALIBRATION_MMHG = 20;

export interface ActiveFault {
  kind: FaultKind;
  /** When it started and, if it clears by itself, when it ends (simulated seconds). */
  at: number;
  until: number | null;
  params: Readonly<Record<string, number>>;
}

export interface ScheduledLinkFault {
  kind: (typeof LINK_FAULT_KINDS)[number];
  at: number;
  until: number | null;
}

const LINK_KINDS: ReadonlySet<FaultKind> = new Set(LINK_FAULT_KINDS);

/** Laminar (Poiseuille) and turbulent (Darcy plus fittings) pressure-drop coefficients of a hose, in mmHg and mL/s. */
export function hoseResistance(lengthM: number, innerMm: number): { hoseLaminarMmhgPerMlPerS: number; hoseTurbulentMmhgPerMlPerS2: number } {
  const radiusM = innerMm / 2000;
  const areaM2 = Math.PI * radiusM ** 2;
  const laminarPaPerM3s = (8 * HOSE_FLOW.viscosityPaS * lengthM) / (Math.PI * radiusM ** 4);
  const lossK = (HOSE_FLOW.frictionFactor * lengthM) / (innerMm / 1000) + HOSE_FLOW.fittingsLossK;
  const turbulentPaPerM3s2 = (lossK * HOSE_FLOW.densityKgPerM3) / (2 * areaM2 ** 2);
  return {
    hoseLaminarMmhgPerMlPerS: (laminarPaPerM3s * 1e-6) / MMHG_PA,
    hoseTurbulentMmhgPerMlPerS2: (turbulentPaPerM3s2 * 1e-12) / MMHG_PA,
  };
}

const MMHG_PA = 133.322;

export function pneumaticParamsFor(scenario: Scenario, profile: HardwareProfile): PneumaticParams {
  const hw = scenario.hardware;
  const params: PneumaticParams = {
    bladderAreaCm2: scenario.cuff.widthCm * scenario.subject.limbCircumferenceCm,
    deadVolumeMl: hoseVolumeMl(hw.hoseLengthM, hw.hoseInnerMm) + hw.manifoldMl,
    ...hoseResistance(hw.hoseLengthM, hw.hoseInnerMm),
    pumpFreeFlowMlPerS: (hw.pumpFreeFlowLpm * 1000) / 60,
    pumpStallMmhg: hw.pumpStallMmhg,
    pumpMinDuty: profile.pump.minDuty,
    pumpSpinUpSeconds: REFERENCE_PUMP.spinUpSeconds,
    checkValveCrackingMmhg: REFERENCE_CHECK_VALVE.crackingMmhg,
    ventEffectiveAreaMm2: REFERENCE_VENT_VALVE.dischargeCoefficient * Math.PI * (hw.ventOrificeMm / 2) ** 2,
    reliefCrackingMmhg: hw.reliefMmhg,
    reliefConductanceMlPerSecondPerMmhg: REFERENCE_RELIEF_VALVE.conductanceMlPerSecondPerMmhg,
    leakEffectiveAreaMm2: 0,
  };
  params.leakEffectiveAreaMm2 = leakAreaForRateMm2(params, hw.leakMmhgPerMin);
  return params;
}

export class SimulatedCuff implements CuffPlant {
  readonly scenario: Scenario;
  readonly profile: HardwareProfile;
  readonly params: PneumaticParams;
  readonly limb: LimbModel;
  /** The optional fingertip or toe pulse sensor (hardware.distalPulseSensor), null without it. */
  readonly distalPulse: DistalPulseSensor | null;
  /** The pressure the exercise volumes are calibrated at: the plan's target. */
  readonly calibrationMmhg: number;

  private time = 0;
  private readonly pneumatics: PneumaticState;
  private readonly env: PneumaticEnvironment = { limbVolumeMl: 0, kinked: false, extraLeakAreaMm2: 0 };
  /** The first (regulating) sensor and, on a build with one, the second. */
  private readonly sensors: SimulatedSensor[];

  private nextSampleSeconds = 0;
  private readonly samplePeriodSeconds: number;

  private readonly schedule: { kind: FaultKind; at: number; until: number | null; params: Record<string, number> }[];
  private scheduleIndex = 0;
  private active: ActiveFault[] = [];
  private activeKinds: FaultKind[] = [];
  private nextFaultChangeSeconds = Number.POSITIVE_INFINITY;
  /** Physical faults split the physics chunks to act on time; link faults do not touch the physics at all. */
  private nextPhysicalChangeSeconds = Number.POSITIVE_INFINITY;

  // Derived from the active faults (recomputed only when they change).
  private pumpDead = false;
  private ventForced = -1;
  private cuffOff = false;

  constructor(scenario: Scenario, profile: HardwareProfile) {
    this.scenario = scenario;
    this.profile = profile;
    this.params = pneumaticParamsFor(scenario, profile);
    const ex = scenario.exercise;
    const lopTrue = trueLopMmhg(scenario.limb, scenario.subject, scenario.cuff.widthCm);
    const lopForTarget = typeof scenario.plan.lop === "number" ? scenario.plan.lop : lopTrue;
    this.calibrationMmhg = Math.max(MIN_CALIBRATION_MMHG, targetMmhg(scenario.plan.target, lopForTarget) ?? lopTrue);
    const volumeFor = (deltaMmhg: number) => limbVolumeForSealedChangeMl(this.params, this.calibrationMmhg, deltaMmhg);
    this.limb = new LimbModel(
      scenario.limb,
      scenario.subject,
      scenario.cuff.widthCm,
      this.params.bladderAreaCm2,
      {
        repSeconds: ex.repSeconds,
        contractionMl: volumeFor(ex.contractionSwingMmhg),
        relaxedMl: volumeFor(-Math.min(ex.relaxedDropMmhg ?? RELAXED_DROP_SHARE * this.calibrationMmhg, this.calibrationMmhg - 1)),
        swellingMl: volumeFor(ex.swellingMmhg),
        knockMl: volumeFor(ex.motionArtefactMmhg),
      },
      scenario.seed,
      (mmhg) => 1 / airComplianceMlPerMmhg(this.params, mmhg, true, this.params.deadVolumeMl, 0),
    );
    this.distalPulse = scenario.hardware.distalPulseSensor ? new DistalPulseSensor(scenario.seed) : null;
    this.pneumatics = initialPneumaticState(this.params);
    const hw = scenario.hardware;
    this.sensors = [
      new SimulatedSensor({
        transfer: profile.sensor,
        noiseMmhg: hw.sensorNoiseMmhg ?? profile.sensor.noiseMmhg,
        offsetMmhg: hw.sensorOffsetMmhg,
        spanErrorPercent: hw.sensorSpanErrorPercent,
        driftMmhgPerMin: hw.sensorDriftMmhgPerMin,
        noise: new Prng(scenario.seed, 2),
        faultRng: new Prng(scenario.seed, 3),
      }),
    ];
    if (profile.secondarySensor) {
      this.sensors.push(
        new SimulatedSensor({
          transfer: profile.secondarySensor,
          noiseMmhg: hw.secondarySensorNoiseMmhg ?? profile.secondarySensor.noiseMmhg,
          offsetMmhg: hw.secondarySensorOffsetMmhg,
          spanErrorPercent: hw.secondarySensorSpanErrorPercent,
          driftMmhgPerMin: hw.secondarySensorDriftMmhgPerMin,
          // Streams of their own (the limb's use 1 and 4): the first sensor reads the same with or without a second.
          noise: new Prng(scenario.seed, 31),
          faultRng: new Prng(scenario.seed, 32),
        }),
      );
    }
    this.samplePeriodSeconds = 1 / profile.sensor.sampleHz;
    this.schedule = scenario.faults.map((f, index) => {
      const { kind, at, until, ...rest } = f;
      const params = rest as Record<string, number>;
      if (!this.sensors[params.sensor ?? 0]) throw new ScenarioError(`${scenario.name}: faults.${index}.sensor: ${this.noSecondSensor()}`);
      return { kind, at, until: until ?? null, params };
    });
    this.takeSample();
    this.nextSampleSeconds = this.samplePeriodSeconds;
    this.applyFaultChanges();
  }

  get timeSeconds(): number {
    return this.time;
  }

  get lopTrueMmhg(): number {
    return this.limb.lopTrueMmhg;
  }

  step(dtSeconds: number, pumpDuty: number, ventOpening: number): void {
    if (!(dtSeconds >= 0) || !Number.isFinite(dtSeconds)) throw new RangeError(`step: dtSeconds must be a finite number >= 0, got ${dtSeconds}`);
    const end = this.time + dtSeconds;
    while (this.time < end) {
      let chunkEnd = Math.min(end, this.time + MAX_CHUNK_SECONDS);
      const split = this.nextPhysicalChangeSeconds;
      if (split > this.time + MIN_CHUNK_SECONDS && split < chunkEnd) chunkEnd = split;
      const h = chunkEnd - this.time;
      if (h <= 0) break;
      this.advanceChunk(h, pumpDuty, ventOpening);
      this.time = chunkEnd;
      if (this.time >= this.nextFaultChangeSeconds) this.applyFaultChanges();
      while (this.nextSampleSeconds <= this.time + 1e-12) {
        this.takeSample();
        this.nextSampleSeconds += this.samplePeriodSeconds;
      }
    }
  }

  private advanceChunk(h: number, pumpDuty: number, ventOpening: number): void {
    const state = this.pneumatics;
    this.limb.advance(h, state.cuffMmhg);
    this.distalPulse?.advance(h, this.limb.distalPulseInputs(this.cuffOff ? 0 : state.cuffMmhg));
    this.env.limbVolumeMl = this.cuffOff ? 0 : this.limb.volumeMl();
    const duty = this.pumpDead ? 0 : pumpDuty;
    const vent = this.ventForced >= 0 ? this.ventForced : ventOpening;
    advancePneumatics(this.params, state, duty, vent, h, this.env);
    for (const sensor of this.sensors) sensor.advance(h);
  }

  trueMmhg(): number {
    return this.pneumatics.cuffMmhg;
  }

  /** Pressure at the sensor port (the hose side; differs from the cuff only when the hose is kinked). */
  hoseMmhg(): number {
    return this.pneumatics.hoseMmhg;
  }

  /** Air held by cuff and hose, mL at atmospheric pressure. */
  airMl(): number {
    return this.pneumatics.cuffAirMl + this.pneumatics.hoseAirMl;
  }

  /** Pump speed as a share of full speed (after the motor's lag and the pump-dead fault). */
  pumpSpeed(): number {
    return this.pneumatics.pumpSpeed;
  }

  sensorCounts(): number {
    return this.sensors[0]!.sensorCounts();
  }

  secondarySensorCounts(): number | null {
    return this.sensors[1]?.sensorCounts() ?? null;
  }

  /** What the first sensor would report in mmHg before the ADC (offset, drift and noise included), at the last sample. */
  sensorMmhg(): number {
    return this.sensors[0]!.sensorMmhg();
  }

  /** The same for the second sensor; null on a build without one. */
  secondarySensorMmhg(): number | null {
    return this.sensors[1]?.sensorMmhg() ?? null;
  }

  /** Both sensors sit on the line inside the box: they read the hose side of the cuff. */
  private takeSample(): void {
    for (const sensor of this.sensors) sensor.sample(this.pneumatics.hoseMmhg, this.time);
  }

  private noSecondSensor(): string {
    return `the hardware profile "${this.profile.name}" has no second sensor`;
  }

  beginSet(reps: number): void {
    this.limb.beginSet(reps);
  }

  endSet(): void {
    this.limb.endSet();
  }

  repsDone(): number {
    return this.limb.repsDone();
  }

  /**
   * Start a fault now. `params` takes the fault's keys of the scenario schema
   * (e.g. mmhgPerMin, rail) and `until` (an absolute time); bad ones throw a
   * ScenarioError naming the key, and nothing changes.
   */
  injectFault(kind: FaultKind, params: Record<string, number> = {}): void {
    const parsed = FaultSchema.safeParse({ ...params, kind, at: Math.min(this.time, 86_400) });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const key = issue.code === "unrecognized_keys" ? issue.keys[0] : issue.path.join(".");
      throw new ScenarioError(`injectFault ${kind}: ${key || "kind"}: ${issue.code === "unrecognized_keys" ? "unknown key" : issue.message}`);
    }
    if (parsed.data.until !== undefined && parsed.data.until <= this.time) {
      throw new ScenarioError(`injectFault ${kind}: until: must be later than now (${this.time} s)`);
    }
    if ("sensor" in parsed.data && parsed.data.sensor !== undefined && !this.sensors[parsed.data.sensor]) {
      throw new ScenarioError(`injectFault ${kind}: sensor: ${this.noSecondSensor()}`);
    }
    const { kind: _kind, at: _at, until, ...rest } = parsed.data;
    this.schedule.splice(this.scheduleIndex, 0, { kind, at: this.time, until: until ?? null, params: rest as Record<string, number> });
    this.applyFaultChanges();
  }

  activeFaults(): readonly FaultKind[] {
    return this.activeKinds;
  }

  /** Active faults with their parameters. */
  activeFaultDetails(): readonly ActiveFault[] {
    return this.active;
  }

  /** Link faults of the scenario, for the bench harness to act out. */
  scheduledLinkFaults(): ScheduledLinkFault[] {
    return this.scenario.faults
      .filter((f) => LINK_KINDS.has(f.kind))
      .map((f) => ({ kind: f.kind as ScheduledLinkFault["kind"], at: f.at, until: f.until ?? null }));
  }

  /** Start due faults, end expired ones and recompute what they do. */
  private applyFaultChanges(): void {
    const now = this.time;
    let changed = false;
    while (this.scheduleIndex < this.schedule.length && this.schedule[this.scheduleIndex]!.at <= now) {
      const f = this.schedule[this.scheduleIndex++]!;
      if (f.until !== null && f.until <= now) continue;
      this.active.push({ kind: f.kind, at: f.at, until: f.until, params: f.params });
      this.onFaultStart(f.kind, f.params);
      changed = true;
    }
    const before = this.active.length;
    this.active = this.active.filter((f) => f.until === null || f.until > now);
    changed ||= this.active.length !== before;
    if (changed) this.deriveFaultEffects();
    let next = Number.POSITIVE_INFINITY;
    let nextPhysical = Number.POSITIVE_INFINITY;
    const consider = (kind: FaultKind, t: number) => {
      next = Math.min(next, t);
      if (!LINK_KINDS.has(kind)) nextPhysical = Math.min(nextPhysical, t);
    };
    for (let i = this.scheduleIndex; i < this.schedule.length; i++) consider(this.schedule[i]!.kind, this.schedule[i]!.at);
    for (const f of this.active) if (f.until !== null) consider(f.kind, f.until);
    this.nextFaultChangeSeconds = next;
    this.nextPhysicalChangeSeconds = nextPhysical;
  }

  private onFaultStart(kind: FaultKind, params: Record<string, number>): void {
    if (isSensorFault(kind)) this.sensors[params.sensor ?? 0]!.faultStarts(kind, params);
  }

  private deriveFaultEffects(): void {
    this.activeKinds = this.active.map((f) => f.kind);
    const has = (kind: FaultKind) => this.activeKinds.includes(kind);
    this.pumpDead = has("pump-dead");
    // Stuck open wins over stuck closed: two contradicting faults leave the safe outcome.
    this.ventForced = has("valve-stuck-open") ? 1 : has("valve-stuck-closed") ? 0 : -1;
    this.cuffOff = has("cuff-off");
    this.env.kinked = has("hose-kink");
    let leakArea = this.cuffOff ? BURST_AREA_MM2 : 0;
    const sensorFaults: SensorFault[][] = this.sensors.map(() => []);
    for (const f of this.active) {
      if (f.kind === "leak") leakArea += leakAreaForRateMm2(this.params, f.params.mmhgPerMin ?? DEFAULT_FAULT_LEAK_MMHG_PER_MIN);
      if (isSensorFault(f.kind)) sensorFaults[f.params.sensor ?? 0]!.push({ kind: f.kind, params: f.params });
    }
    this.env.extraLeakAreaMm2 = leakArea;
    this.sensors.forEach((sensor, index) => sensor.setFaults(sensorFaults[index]!));
  }
}

/** The factory the composition roots use. */
export function createPlant(scenario: Scenario, profile: HardwareProfile): SimulatedCuff {
  return new SimulatedCuff(scenario, profile);
}
