import { firmwareHarness } from "../tests/firmware/harness.ts";
import { PlanSchema } from "../shared/plan.ts";
const h = firmwareHarness({ limb: "leg" }, { policy: "continue", timeoutSeconds: 60 });
h.ready();
console.log(h.send({ type: "start-session", cuff: 0, limb: "leg", plan: PlanSchema.parse({ mode: "continuous", minutes: 0.5, target: { percentLop: 60 }, lop: 200 }) }));
for (const [i, steps] of [131, 5, 60, 125, 30, 25, 70].entries()) {
  h.run(steps / 100);
  while (h.received.at(-1)?.type !== "telemetry") h.run(0.01);
  const st: any = h.send({ type: "status-request", cuff: 0 }).find((m) => m.type === "status");
  const tel: any = h.received.filter((m) => m.type === "telemetry").at(-1);
  console.log(st.t, tel.t, st.state, tel.state, st.set, tel.set);
}
