/** Who controls the cuff when several pages are open. */
import { describe, expect, it } from "vitest";
import { CONTROLLER_SILENCE_SECONDS, ControlLease, IDLE_RELEASE_SECONDS } from "../../host/app/hub/control.ts";

describe("control of the cuff among pages", () => {
  it("goes to the first page that asks and is refused to others while it is heard", () => {
    const lease = new ControlLease();
    expect(lease.request("a", "phone", 0, true).granted).toBe(true);
    for (let t = 0.5; t < 20; t += 0.5) lease.heard("a", t);
    const refused = lease.request("b", "laptop", 20, false);
    expect(refused.granted).toBe(false);
    expect(refused.granted === false && refused.detail).toMatch(/another page \(phone\) controls/);
    expect(lease.request("a", "phone", 20, false).granted).toBe(true);
  });

  it("is free once the controlling page falls silent", () => {
    const lease = new ControlLease();
    lease.request("a", "phone", 0, false);
    expect(lease.request("b", "laptop", CONTROLLER_SILENCE_SECONDS - 0.5, false).granted).toBe(false);
    expect(lease.request("b", "laptop", CONTROLLER_SILENCE_SECONDS + 0.5, false).granted).toBe(true);
    expect(lease.controller).toBe("b");
  });

  it("is free once the cuff has been idle a while, not during an activity", () => {
    const lease = new ControlLease();
    lease.request("a", "phone", 0, false);
    for (let t = 0; t <= IDLE_RELEASE_SECONDS + 5; t += 1) lease.heard("a", t);
    const late = IDLE_RELEASE_SECONDS + 5;
    expect(lease.request("b", "laptop", late, false).granted).toBe(false);
    expect(lease.request("b", "laptop", late, true).granted).toBe(true);
  });

  it("is free at once when the controlling page leaves", () => {
    const lease = new ControlLease();
    lease.request("a", "phone", 0, false);
    lease.left("a");
    expect(lease.request("b", "laptop", 0.1, false).granted).toBe(true);
  });
});
