/**
 * The cuff link against a hostile or buggy host: reused seqs, a peer that never reads,
 * and a peer that does not know the pairing key.
 */
import { describe, expect, it } from "vitest";
import { LinkServer } from "../../firmware/link/server.ts";
import { OUTBOUND } from "../../firmware/link/outbound.ts";
import { decodeFirmwareFrame, encodeFrame } from "../../shared/protocol/framing.ts";
import { type FirmwareMessage, PROTOCOL_VERSION } from "../../shared/protocol/messages.ts";
import { newPairingKey, pairingProof, parsePairingKey } from "../../shared/protocol/pairing.ts";
import { Wire } from "../../firmware/link/wire.ts";
import { firmwareHarness } from "./harness.ts";

describe("commands are told apart by seq and content", () => {
  it("a deflate that reuses the seq of the hold before it is carried out: the cuff vents", () => {
    const h = firmwareHarness();
    h.ready();
    h.knowLop(200);
    expect(h.send({ type: "hold", cuff: 0, target: { mmhg: 140 } }, 7)[0]).toMatchObject({ type: "ack", ref: 7 });
    h.run(25, () => h.controller.stateName === "regulating");
    h.run(3);
    expect(h.plant.trueMmhg()).toBeGreaterThan(120);
    const asked = h.now();
    expect(h.send({ type: "deflate", cuff: 0 }, 7)[0]).toMatchObject({ type: "ack", ref: 7 });
    expect(h.controller.stateName).toBe("deflating");
    h.run(15, () => h.controller.stateName === "vented");
    expect(h.controller.stateName).toBe("vented");
    expect(h.plant.trueMmhg()).toBeLessThan(15);
    expect(h.now() - asked).toBeLessThan(10);
  });

  it("a deflate sent twice with one seq is carried out both times", () => {
    const h = firmwareHarness();
    h.ready();
    h.knowLop(200);
    h.send({ type: "deflate", cuff: 0 }, 30);
    h.send({ type: "hold", cuff: 0, target: { mmhg: 120 } }, 31);
    h.run(5);
    expect(h.controller.stateName).toBe("inflating");
    // the host's first deflate is resent with its own seq and content: still carried out
    expect(h.send({ type: "deflate", cuff: 0 }, 30)[0]).toMatchObject({ type: "ack", ref: 30 });
    expect(h.controller.stateName).toBe("deflating");
  });

  it("another command on a reused seq is carried out, a true retransmission is not", () => {
    const h = firmwareHarness();
    h.ready();
    h.send({ type: "configure", cuff: 0, hostSilence: { policy: "vent", timeoutSeconds: 3 } }, 9);
    h.send({ type: "configure", cuff: 0, hostSilence: { policy: "vent", timeoutSeconds: 5 } }, 9);
    expect((h.send({ type: "status-request", cuff: 0 })[0] as { hostSilence: unknown }).hostSilence).toEqual({ policy: "vent", timeoutSeconds: 5 });
    // the first content again on seq 9 is not the latest command on seq 9: carried out too
    h.send({ type: "configure", cuff: 0, hostSilence: { policy: "vent", timeoutSeconds: 3 } }, 9);
    expect((h.send({ type: "status-request", cuff: 0 })[0] as { hostSilence: unknown }).hostSilence).toEqual({ policy: "vent", timeoutSeconds: 3 });
  });
});

/** A peer that never reads: everything written stays in its buffer, as in a stalled pipe or serial port. */
class StalledOutput {
  readonly frames: string[] = [];
  writableLength = 0;
  write(frame: string): boolean {
    this.frames.push(frame);
    this.writableLength += Buffer.byteLength(frame);
    return false;
  }
  /** The peer reads everything at once. */
  readAll(): FirmwareMessage[] {
    const read = this.frames.splice(0).map((f) => decodeFirmwareFrame(f));
    this.writableLength = 0;
    return read.flatMap((d) => (d.ok ? [d.message] : []));
  }
}

describe("a peer that stops reading", () => {
  it("asking for status 20 000 times while reading nothing: the firmware holds at most 16 KB and 148 frames, drops the oldest telemetry, and says how many replies were lost", () => {
    const h = firmwareHarness();
    const input = new Wire();
    const output = new StalledOutput();
    const server = new LinkServer({ runtime: h.runtime, input, output });
    const hello = { v: PROTOCOL_VERSION, seq: 0, type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: h.lastHello().fingerprint, software: "flood", instance: "f" };
    input.write(encodeFrame(hello));
    let seq = 1;
    let largestBacklog = 0;
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 100; i++) input.write(encodeFrame({ v: PROTOCOL_VERSION, seq: seq++ & 0xffff, type: "status-request", cuff: 0 }));
      h.run(0.05);
      largestBacklog = Math.max(largestBacklog, server.backlog);
      expect(output.writableLength).toBeLessThan(OUTBOUND.writableBytes + 1024);
    }
    expect(largestBacklog).toBeLessThanOrEqual(OUTBOUND.telemetryFrames + OUTBOUND.messageFrames);
    const firstRead = output.readAll();
    // the frames that reached the buffer before it filled are the oldest: the hello, then status replies
    expect(firstRead[0]).toMatchObject({ type: "hello" });
    // the reader is back: what waited arrives, the newest telemetry first kept, then the alarm
    const back = h.now();
    const afterwards: FirmwareMessage[] = [];
    for (let i = 0; i < 10; i++) {
      h.run(0.1);
      afterwards.push(...output.readAll());
    }
    const telemetry = afterwards.filter((m) => m.type === "telemetry") as { t: number }[];
    expect(telemetry.length).toBeGreaterThan(0);
    // one second of the newest telemetry waited; everything older was dropped
    expect(telemetry[0]!.t).toBeGreaterThan(back - 1.01);
    const alarm = afterwards.find((m) => m.type === "alarm");
    expect(alarm).toMatchObject({ kind: "link-overflow", severity: "warning" });
    expect((alarm as { detail: string }).detail).toMatch(/did not read the link: \d+ replies and events were dropped/);
    server.close();
  });
});

/** A pipe into the firmware that can be paused, as stdin and serial ports can. */
class PausableInput extends Wire {
  paused = false;
  pauses = 0;
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
  }
}

describe("a peer that floods the link", () => {
  it("20 000 status requests and a deflate at once: read at 200 frames a second, the input paused meanwhile, every request answered or counted lost, the deflate carried out", () => {
    const h = firmwareHarness();
    h.ready();
    h.knowLop(200);
    h.send({ type: "hold", cuff: 0, target: { mmhg: 120 } });
    h.run(20, () => h.controller.stateName === "regulating");
    const input = new PausableInput();
    const output = new StalledOutput();
    const server = new LinkServer({ runtime: h.runtime, input, output });
    let seq = 0;
    const frame = (body: Record<string, unknown>) => encodeFrame({ v: PROTOCOL_VERSION, seq: seq++ & 0xffff, ...body } as never);
    const flood = [frame({ type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: h.lastHello().fingerprint, software: "flood", instance: "h2" })];
    for (let i = 0; i < 20_000; i++) flood.push(frame({ type: "status-request", cuff: 0 }));
    flood.push(frame({ type: "deflate", cuff: 0 }));
    // the peer's pipe hands the firmware 64 KB at a time until it is paused
    const bytes = Buffer.from(flood.join(""));
    let sentBytes = 0;
    const feed = () => {
      while (!input.paused && sentBytes < bytes.length) {
        input.write(bytes.subarray(sentBytes, sentBytes + 65536));
        sentBytes += 65536;
      }
    };
    feed();
    expect(input.paused).toBe(true);
    expect(h.controller.stateName).toBe("regulating");
    let statusReplies = 0;
    let dropped = 0;
    const start = h.now();
    h.run(120, () => {
      feed();
      for (const m of output.readAll()) {
        if (m.type === "status") statusReplies++;
        if (m.type === "alarm" && m.kind === "link-overflow") dropped += Number(/(\d+) replies and events were dropped/.exec(m.detail)![1]);
      }
      return h.controller.stateName !== "regulating";
    });
    // 20 000 frames at 200 a second after a burst of 400: about 98 s
    expect(h.now() - start).toBeGreaterThan(90);
    expect(h.now() - start).toBeLessThan(105);
    // only the first burst (400 replies at once) outran what the firmware keeps for a slow reader
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(400);
    expect(statusReplies + dropped).toBe(20_000);
    expect(h.controller.stateName).toBe("deflating");
    server.close();
  });
});

describe("a paired link (serial port, Bluetooth SPP)", () => {
  const key = parsePairingKey(newPairingKey())!;

  it("a peer without the key may read status and deflate, nothing else", () => {
    const h = firmwareHarness({}, undefined, { pairingKey: key });
    h.hello();
    expect(h.lastHello()).toMatchObject({ link: "paired", authenticated: false });
    expect(h.lastHello().nonce).toMatch(/^[0-9a-f]{32}$/);
    for (const body of [
      { type: "zero", cuff: 0 },
      { type: "configure", cuff: 0, lopMmhg: 300 },
      { type: "configure", cuff: 0, hostSilence: { policy: "continue", timeoutSeconds: 60 } },
      { type: "hold", cuff: 0, target: { mmhg: 290 } },
      { type: "start-session", cuff: 0, limb: "leg", plan: { sets: [10], target: { percentLop: 90 }, lop: 300 } },
      { type: "measure-lop", cuff: 0 },
      { type: "ack-fault", cuff: 0 },
    ] as const) {
      const reply = h.send(body as never)[0];
      expect(reply).toMatchObject({ type: "nack", reason: "not-paired" });
      expect((reply as { detail: string }).detail).toMatch(/needs a host paired with this cuff/);
    }
    expect(h.send({ type: "status-request", cuff: 0 })[0]).toMatchObject({ type: "status", zeroed: false, lop: null, hostSilence: { policy: "vent", timeoutSeconds: 2 } });
    expect(h.send({ type: "deflate", cuff: 0 })[0]).toMatchObject({ type: "ack" });
    h.run(2);
    expect(h.controller.stateName).toBe("vented");
    expect(h.controller.isZeroed).toBe(false);
  });

  it("a host proves the key over the nonce, never sending it: every command is then admitted", () => {
    const h = firmwareHarness({}, undefined, { pairingKey: key });
    h.hello({ instance: "phone" });
    const nonce = h.lastHello().nonce!;
    h.hello({ instance: "phone", proof: pairingProof(key, nonce, "phone") });
    expect(h.lastHello()).toMatchObject({ link: "paired", authenticated: true });
    expect(h.lastHello().nonce).not.toBe(nonce);
    expect(h.send({ type: "zero", cuff: 0 })[0]).toMatchObject({ type: "ack" });
    // the same host's hello again (a retry) keeps it admitted
    h.hello({ instance: "phone", proof: pairingProof(key, nonce, "phone") });
    expect(h.lastHello()).toMatchObject({ authenticated: true });
  });

  it("a recorded proof, a proof for another instance or a wrong key admits nothing", () => {
    const h = firmwareHarness({}, undefined, { pairingKey: key });
    h.hello({ instance: "phone" });
    const nonce = h.lastHello().nonce!;
    const recorded = pairingProof(key, nonce, "phone");
    h.hello({ instance: "phone", proof: recorded });
    // an eavesdropper replays the recorded proof under the phone's name, and under its own
    for (const instance of ["intruder", "phone"]) {
      if (instance === "phone") h.hello({ instance: "intruder" });
      const replies = h.hello({ instance, proof: recorded });
      expect(replies[0]).toMatchObject({ type: "error", code: "refused" });
      expect((replies[0] as { detail: string }).detail).toMatch(/pairing proof does not match/);
      expect(h.lastHello()).toMatchObject({ authenticated: false });
      expect(h.send({ type: "zero", cuff: 0 })[0]).toMatchObject({ type: "nack", reason: "not-paired" });
    }
    const otherKey = parsePairingKey(newPairingKey())!;
    h.hello({ instance: "guess", proof: pairingProof(otherKey, h.lastHello().nonce!, "guess") });
    expect(h.lastHello()).toMatchObject({ authenticated: false });
  });

  it("a peer without the key does not keep a session alive: its heartbeats are not the host's", () => {
    const h = firmwareHarness({}, undefined, { pairingKey: key });
    h.hello({ instance: "phone" });
    h.hello({ instance: "phone", proof: pairingProof(key, h.lastHello().nonce!, "phone") });
    h.send({ type: "zero", cuff: 0 });
    h.run(3, () => h.controller.isZeroed);
    h.knowLop(200);
    h.send({ type: "hold", cuff: 0, target: { mmhg: 120 } });
    h.run(20, () => h.controller.stateName === "regulating");
    // the phone walks away; another device on the port says hello and keeps sending heartbeats
    h.hello({ instance: "intruder" });
    const silentFrom = h.now();
    h.run(8, () => h.controller.stateName === "vented");
    expect(h.controller.stateName).toBe("vented");
    expect(h.events("alarm").some((a) => a.kind === "host-silent")).toBe(true);
    expect(h.now() - silentFrom).toBeLessThan(8);
  });

  it("an open link (stdio, a pty) admits every command without a key", () => {
    const h = firmwareHarness();
    h.hello();
    expect(h.lastHello()).toMatchObject({ link: "open", authenticated: true });
    expect(h.lastHello().nonce).toBeUndefined();
    expect(h.send({ type: "zero", cuff: 0 })[0]).toMatchObject({ type: "ack" });
  });
});
