import { firmwareHarness } from "../tests/firmware/harness.ts";
const h = firmwareHarness({ limb: "leg" }, { policy: "continue", timeoutSeconds: 60 });
h.ready();
h.run(0.07);
while (h.received.at(-1)?.type !== "telemetry") h.run(0.01);
const tel: any = h.received.at(-1);
console.log("now", h.now(), "tel", tel.t, "runtime now", h.runtime.nowSeconds());
