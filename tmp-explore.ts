import { referenceProfile } from "./hardware/profile.ts";
import { parseScenario } from "./hardware/sim/scenario.ts";
import { measureLopOnce } from "./hardware/sim/bench/lop-run.ts";
const profile = referenceProfile();
const typical = { pulsationAtLopFraction: 0.3, arteryStiffnessMmhg: 30, supraLopTailPercent: 40, lopResidualMmhg: 0, respiratorySwingMmhg: 3, heartRateVariabilityPercent: 4, ectopicBeatsPerMin: 0, atrialFibrillation: false };
const cases: [string, any, any?][] = [
  ["arm warm", { seed: 3, limb: "arm", subject: { heartRate: 72, distalPerfusionPercent: 3 } }],
  ["leg warm", { seed: 3, limb: "leg", subject: { heartRate: 72, distalPerfusionPercent: 3 } }],
  ["arm 5cm", { seed: 5, limb: "arm", cuff: { widthCm: 5 }, subject: { heartRate: 95, distalPerfusionPercent: 2 } }],
  ["leg 145bpm", { seed: 4, limb: "leg", subject: { heartRate: 145, distalPerfusionPercent: 2 } }],
  ["arm 40bpm", { seed: 6, limb: "arm", subject: { heartRate: 40, distalPerfusionPercent: 2 } }],
  ["arm swing15", { seed: 7, limb: "arm", subject: { respiratorySwingMmhg: 15, breathsPerMin: 8, distalPerfusionPercent: 2 } }],
  ["leg AF", { seed: 8, limb: "leg", subject: { atrialFibrillation: true, heartRate: 100, distalPerfusionPercent: 2 } }],
  ["arm cold", { seed: 3, limb: "arm", subject: { heartRate: 72, distalPerfusionPercent: 0.1 } }],
  ["arm cool 0.4", { seed: 3, limb: "arm", subject: { heartRate: 72, distalPerfusionPercent: 0.4 } }],
  ["arm cuff way off", { seed: 3, limb: "arm", subject: { heartRate: 72, distalPerfusionPercent: 3, pulsationAtLopFraction: 0.7, supraLopTailPercent: 150, arteryStiffnessMmhg: 80 } }],
  ["arm cuff low", { seed: 3, limb: "arm", subject: { heartRate: 72, distalPerfusionPercent: 3, pulsationAtLopFraction: 0, arteryStiffnessMmhg: 10 } }],
  ["arm wrong limb", { seed: 3, limb: "arm", subject: { heartRate: 72, distalPerfusionPercent: 3 } }, { distalOnOtherLimb: true }],
  ["arm hand moves", { seed: 3, limb: "arm", subject: { heartRate: 72, distalPerfusionPercent: 3 } }, { distalDisturbance: (t: number) => (t > 8 && t < 14 ? 6000 * Math.sin(2 * Math.PI * 1.3 * t) : 0) }],
  ["arm clip slips off", { seed: 3, limb: "arm", subject: { heartRate: 72, distalPerfusionPercent: 3 } }, { distalDisturbance: (t: number) => (t > 10 ? -118_000 : 0) }],
];
for (const [name, input, opts] of cases) {
  const scenario = parseScenario({ name, hardware: { distalPulseSensor: true }, exercise: { motionArtefactMmhg: 0 }, ...input, subject: { ...typical, ...input.subject } });
  const run = measureLopOnce(scenario, profile, opts ?? {});
  console.log(`${name.padEnd(18)} lop ${run.lopTrueMmhg.toFixed(0)} err ${run.errorMmhg?.toFixed(1)} above ${run.secondsAboveLop.toFixed(1)} peak ${run.peakOverLop.toFixed(2)} ${run.outcome.durationSeconds.toFixed(0)}s alarms ${run.alarms} | ${run.outcome.reason}`);
}
