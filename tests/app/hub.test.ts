/**
 * The cuff link shared by several pages: one controls, the others watch, any
 * page deflates, and a malformed message closes its page's socket with a typed
 * error without touching the cuff. On the simulated cuff, in virtual time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CLOSE_CODE } from "../../host/app/hub/peer.ts";
import { type HostBody, pairingProof, PROTOCOL_VERSION, SCHEMA_FINGERPRINT } from "../../shared/protocol/index.ts";
import { FakePage, framed, type HubRig, hubRig } from "./hub-rig.ts";

let rig: HubRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const START: HostBody = {
  type: "start-session",
  cuff: 0,
  limb: "leg",
  plan: { mode: "sets", sets: [30, 15], restSeconds: 30, target: { percentLop: 60 }, lop: 195, countReps: false },
};

/** Zero the cuff from `page`, then start the plan and wait until the first set holds its pressure. */
async function holding(r: HubRig, page: FakePage): Promise<void> {
  const zero = page.frame({ type: "zero", cuff: 0 });
  await r.until(() => page.replyTo(zero)?.type === "ack" && r.upstream.state === "vented", 30);
  const start = page.frame(START);
  await r.until(() => page.replyTo(start)?.type === "ack", 5);
  await r.until(() => r.telemetry.at(-1)?.phase === "set" && r.upstream.state === "regulating", 60);
  await r.advance(2);
}

describe("the cuff app's link hub", () => {
  it("answers a page's hello with the cuff's and then sends it the cuff's telemetry", async () => {
    rig = await hubRig();
    const page = rig.page();
    await rig.advance(0.5);
    const hello = page.messages().find((m) => m.type === "hello");
    expect(hello).toMatchObject({ role: "firmware", cuffs: 1 });
    const telemetry = page.messages().filter((m) => m.type === "telemetry");
    expect(telemetry.length).toBeGreaterThanOrEqual(8);
    expect(telemetry.at(-1)).toMatchObject({ state: "vented", pump: 0, vent: 1 });
  });

  const MALFORMED: [string, (page: FakePage) => void, string, number][] = [
    ["a checksum that does not match", (p) => p.raw('{"v":1,"seq":40,"type":"deflate","cuff":0}|0000\n'), "checksum", CLOSE_CODE.policyViolation],
    ["a body that is not JSON", (p) => p.raw(framed("deflate now")), "framing", CLOSE_CODE.policyViolation],
    ["a type the link does not have", (p) => p.raw(framed('{"v":1,"seq":41,"type":"inflate-to","cuff":0,"mmhg":280}')), "unknown-type", CLOSE_CODE.policyViolation],
    ["a hold above the ceiling", (p) => p.raw(framed('{"v":1,"seq":42,"type":"hold","cuff":0,"target":{"mmhg":400}}')), "schema", CLOSE_CODE.policyViolation],
    ["a message of 2000 bytes", (p) => p.raw(framed(`{"v":1,"seq":43,"type":"heartbeat","pad":"${"x".repeat(1950)}"}`)), "too-long", CLOSE_CODE.messageTooBig],
    ["a binary message", (p) => p.raw(Buffer.from([0x7b, 0x00, 0xff, 0x0a]), true), "framing", CLOSE_CODE.unsupportedData],
    ["two frames in one message", (p) => p.raw(framed('{"v":1,"seq":44,"type":"heartbeat"}') + framed('{"v":1,"seq":45,"type":"heartbeat"}')), "framing", CLOSE_CODE.policyViolation],
  ];

  it.each(MALFORMED)("%s: a typed error, a closed socket, and the cuff holds on as before", async (_name, send, code, closeCode) => {
    rig = await hubRig();
    const controller = rig.page("controller");
    await holding(rig, controller);
    const before = rig.telemetry.at(-1)!;
    const intruder = rig.page("intruder");
    await rig.advance(0.2);
    send(intruder);
    expect(intruder.last()).toMatchObject({ type: "error", code });
    expect(intruder.closedWith?.code).toBe(closeCode);
    const sentBefore = intruder.sent.length;
    await rig.advance(2);
    // nothing more reaches a closed page, and the cuff goes on holding the same target
    expect(intruder.sent.length).toBe(sentBefore);
    const after = rig.telemetry.at(-1)!;
    expect(after).toMatchObject({ state: "regulating", phase: "set", target: before.target });
    expect(Math.abs(after.mmhg - before.target!)).toBeLessThan(0.1 * before.target!);
    expect(controller.closedWith).toBeNull();
  });

  it("a watching page cannot steer the cuff, and its Deflate vents it", async () => {
    rig = await hubRig();
    const controller = rig.page("controller");
    await holding(rig, controller);
    const watcher = rig.page("watcher");
    await rig.advance(0.2);
    for (const body of [START, { type: "abort", cuff: 0 }, { type: "hold", cuff: 0, target: { mmhg: 150 } }, { type: "set-done", cuff: 0 }] as HostBody[]) {
      const seq = watcher.frame(body);
      expect(watcher.replyTo(seq), body.type).toMatchObject({ type: "nack", reason: "busy" });
    }
    await rig.advance(1);
    expect(rig.upstream.state).toBe("regulating");
    const pressed = rig.clock.nowSeconds();
    const deflate = watcher.frame({ type: "deflate", cuff: 0 });
    await rig.until(() => {
      const m = rig!.telemetry.at(-1)!;
      return m.pump === 0 && m.vent === 1;
    }, 2);
    const ventedAfter = rig.clock.nowSeconds() - pressed;
    expect(ventedAfter).toBeLessThan(0.2);
    await rig.until(() => watcher.replyTo(deflate) !== undefined, 1);
    expect(watcher.replyTo(deflate)).toMatchObject({ type: "ack" });
    await rig.until(() => rig!.upstream.state === "vented", 20);
    expect(rig.stack.plant.trueMmhg()).toBeLessThan(15);
  });

  it("a command sent again with its seq is answered again and carried out once", async () => {
    rig = await hubRig();
    const page = rig.page();
    await rig.advance(0.2);
    const seq = page.frame({ type: "zero", cuff: 0 });
    await rig.until(() => page.replyTo(seq) !== undefined, 2);
    page.frame({ type: "zero", cuff: 0 }, seq);
    await rig.advance(0.5);
    const replies = page.messages().filter((m) => m.type === "ack" && m.ref === seq);
    expect(replies).toHaveLength(2);
    const zeroings = page.messages().filter((m) => m.type === "state" && m.to === "zeroing");
    expect(zeroings).toHaveLength(1);
  });

  it("control passes to another page when the controlling page leaves", async () => {
    rig = await hubRig();
    const first = rig.page("first");
    const second = rig.page("second");
    await rig.advance(0.2);
    const zero = first.frame({ type: "zero", cuff: 0 });
    await rig.until(() => first.replyTo(zero) !== undefined, 2);
    const refused = second.frame({ type: "zero", cuff: 0 });
    expect(second.replyTo(refused)).toMatchObject({ type: "nack", reason: "busy" });
    first.leave();
    await rig.until(() => rig!.upstream.state === "vented", 30);
    const granted = second.frame({ type: "zero", cuff: 0 });
    await rig.until(() => second.replyTo(granted) !== undefined, 2);
    expect(second.replyTo(granted)).toMatchObject({ type: "ack" });
  });

  it("a page says hello before anything else", async () => {
    rig = await hubRig();
    const page = new FakePage();
    page.handle = rig.hub.attach(page, "test page");
    const seq = page.frame({ type: "deflate", cuff: 0 });
    expect(page.replyTo(seq)).toMatchObject({ type: "error", code: "refused" });
    expect(page.closedWith).toBeNull();
  });
});

describe("pages prove the page key", () => {
  const KEY = new Uint8Array(32).map((_, i) => i * 7 + 3);

  it("a page that proves it commands the cuff; a peer without it may read status and deflate, nothing more", async () => {
    rig = await hubRig({ pageKey: KEY });
    const page = rig.page("page");
    const intruder = rig.page("intruder", null);
    await rig.advance(0.2);
    expect(page.messages().filter((m) => m.type === "hello").at(-1)).toMatchObject({ link: "paired", authenticated: true });
    expect(intruder.messages().filter((m) => m.type === "hello").at(-1)).toMatchObject({ link: "paired", authenticated: false });
    for (const body of [START, { type: "zero", cuff: 0 }, { type: "configure", cuff: 0, hostSilence: { policy: "continue", timeoutSeconds: 60 } }] as HostBody[]) {
      const seq = intruder.frame(body);
      expect(intruder.replyTo(seq), body.type).toMatchObject({ type: "nack", reason: "not-paired" });
    }
    const status = intruder.frame({ type: "status-request", cuff: 0 });
    await rig.until(() => intruder.messages().some((m) => m.type === "status" && m.ref === status), 2);
    await holding(rig, page);
    const deflate = intruder.frame({ type: "deflate", cuff: 0 });
    await rig.until(() => intruder.replyTo(deflate) !== undefined, 1);
    expect(intruder.replyTo(deflate)).toMatchObject({ type: "ack" });
    await rig.until(() => rig!.upstream.state === "vented", 20);
    expect(intruder.closedWith).toBeNull();
  });

  it("a wrong key, or a proof replayed on another link, is refused", async () => {
    rig = await hubRig({ pageKey: KEY });
    const wrong = rig.page("wrong", KEY.map((b) => b ^ 1));
    await rig.advance(0.2);
    expect(wrong.messages().find((m) => m.type === "error")).toMatchObject({ code: "refused" });
    expect(wrong.replyTo(wrong.frame({ type: "zero", cuff: 0 }))).toMatchObject({ type: "nack", reason: "not-paired" });
    // a proof seen on one page's link is worthless on another's: each link has its own nonce
    const page = rig.page("page");
    const firstHello = page.messages().find((m) => m.type === "hello");
    const seenProof = pairingProof(KEY, (firstHello as { nonce: string }).nonce, "page");
    const replayer = new FakePage();
    replayer.handle = rig.hub.attach(replayer, "replayer");
    replayer.frame({ type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: SCHEMA_FINGERPRINT, software: "replay", instance: "page", proof: seenProof });
    expect(replayer.messages().find((m) => m.type === "error")).toMatchObject({ code: "refused" });
    expect(replayer.replyTo(replayer.frame({ type: "zero", cuff: 0 }))).toMatchObject({ type: "nack", reason: "not-paired" });
  });
});
