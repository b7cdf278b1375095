/**
 * Telemetry, the status reply and the live display read the cuff's state, phase
 * and set number from the same source, so they agree at every moment of any plan.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { foldEvent, foldTelemetry, initialView, type SessionView } from "../../host/display/view.ts";
import { type Plan, PlanSchema } from "../../shared/plan.ts";
import type { FirmwareMessage, StatusMessage, TelemetryMessage } from "../../shared/protocol/messages.ts";
import { firmwareHarness } from "../firmware/harness.ts";

const planArb: fc.Arbitrary<Plan> = fc.oneof(
  fc.record({ sets: fc.array(fc.integer({ min: 3, max: 8 }), { minLength: 1, maxLength: 3 }), restSeconds: fc.integer({ min: 5, max: 15 }) }).map((p) =>
    PlanSchema.parse({ ...p, target: { percentLop: 60 }, lop: 200 }),
  ),
  fc.integer({ min: 30, max: 45 }).map((seconds) => PlanSchema.parse({ mode: "continuous", minutes: seconds / 60, target: { percentLop: 60 }, lop: 200 })),
  fc.record({ cycles: fc.integer({ min: 2, max: 3 }), holdSeconds: fc.integer({ min: 5, max: 10 }), releaseSeconds: fc.integer({ min: 2, max: 4 }) }).map((p) =>
    PlanSchema.parse({ mode: "cycle", ...p, target: { mmhg: 110 }, lop: 200 }),
  ),
);

function fold(view: SessionView, m: FirmwareMessage): SessionView {
  if (m.type === "telemetry") return foldTelemetry(view, m);
  if (m.type === "state" || m.type === "phase" || m.type === "rep" || m.type === "alarm" || m.type === "lop-result" || m.type === "summary") return foldEvent(view, m);
  return view;
}

describe("telemetry, status and the display agree", () => {
  it("on state, phase and set number at random moments of random plans (sets ended by the host at random)", () => {
    fc.assert(
      fc.property(planArb, fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 6, maxLength: 12 }), (plan, pauses) => {
        const h = firmwareHarness({ limb: "leg" }, { policy: "continue", timeoutSeconds: 60 });
        h.ready();
        h.send({ type: "start-session", cuff: 0, limb: "leg", plan });
        let view = initialView("test", "leg", plan);
        let read = 0;
        let compared = 0;
        for (const [i, steps] of pauses.entries()) {
          h.run(steps / 100);
          if (i % 3 === 2) h.send({ type: "set-done", cuff: 0 });
          // Stop on a tick that sent telemetry, so the status reply reads the same moment.
          const sentNow = () => {
            const last = h.received.at(-1);
            return last?.type === "telemetry" && Math.abs(last.t - h.now()) < 1e-6;
          };
          while (!sentNow()) h.run(0.01);
          const status = h.send({ type: "status-request", cuff: 0 }).find((m): m is StatusMessage => m.type === "status")!;
          for (; read < h.received.length; read++) view = fold(view, h.received[read]!);
          const telemetry = h.received.filter((m): m is TelemetryMessage => m.type === "telemetry").at(-1)!;
          if (telemetry.set === undefined || status.t !== telemetry.t) continue;
          compared++;
          expect([status.state, status.phase, status.set]).toEqual([telemetry.state, telemetry.phase, telemetry.set]);
          expect([view.state, view.phase, view.set]).toEqual([telemetry.state, telemetry.phase, telemetry.set]);
        }
        expect(compared).toBeGreaterThan(0);
      }),
      { numRuns: 12, seed: 16 },
    );
  });
});
