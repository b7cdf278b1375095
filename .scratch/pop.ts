import { generatePopulation } from "../hardware/sim/population.ts";
for (const [seed, count, i] of [[7, 200, 118], [3, 80, 78]] as const) {
  const s = generatePopulation(seed, count)[i]!;
  console.log(JSON.stringify({ name: s.name, seed: s.seed, limb: s.limb, subject: s.subject, cuff: s.cuff, hardware: s.hardware, exercise: s.exercise }));
}
