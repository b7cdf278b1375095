import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.ts";
import { CuffClient, type CuffClientOptions } from "../../host/client/client.ts";
import { CommandTimeoutError, HelloMismatchError, NackError, NotACuffError } from "../../host/client/errors.ts";
import { encodeFrame } from "../../shared/protocol/index.ts";
import { duplexPair, run, runUntil, ScriptedFirmware } from "./scripted-firmware.ts";
import { duplexConnector } from "../../host/client/stream-port.ts";

function openWith(clock: ManualClock, fw: ScriptedFirmware, extra: Partial<CuffClientOptions> = {}) {
  return runUntil(clock, CuffClient.open({ connect: duplexConnector(fw.connect), clock, instance: "test-host", label: "the test cuff", ...extra }));
}

describe("CuffClient hello", () => {
  it("connects, checks the fingerprint and resynchronises with a status request", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock);
    const client = await openWith(clock, fw);
    expect(client.connected).toBe(true);
    expect(client.firmware?.software).toBe("scripted-fw");
    expect(fw.received.map((m) => m.type).slice(0, 2)).toEqual(["hello", "status-request"]);
    expect(client.lastStatus?.state).toBe("vented");
    await client.close();
  });

  it("refuses a firmware with another fingerprint with a clear error", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock, { fingerprint: "0123456789abcdef" });
    const error = await openWith(clock, fw).catch((e: Error) => e);
    expect(error).toBeInstanceOf(HelloMismatchError);
    expect((error as Error).message).toMatch(/different cuff link .*fingerprint 0123456789abcdef.*same release/);
    expect(clock.pendingCount()).toBe(0);
  });

  it("recognises the hello of a newer firmware its schemas cannot read, and says so", async () => {
    const clock = new ManualClock();
    const connect = async () => {
      const [host, device] = duplexPair();
      device.write(encodeFrame({ v: 2, seq: 0, type: "hello", role: "firmware", protocol: 2, fingerprint: "fedcba9876543210", software: "cuff-fw 2.0", cuffs: 2, uptime: 3, features: ["cycle"] }));
      return host;
    };
    const error = await runUntil(clock, CuffClient.open({ connect: duplexConnector(connect), clock, label: "/dev/ttyACM0" }).catch((e: Error) => e));
    expect(error).toBeInstanceOf(HelloMismatchError);
    expect((error as Error).message).toMatch(/^\/dev\/ttyACM0 speaks a different cuff link \(firmware protocol 2, fingerprint fedcba9876543210; this host: protocol 1/);
    expect(clock.pendingCount()).toBe(0);
  });

  it("reports a firmware that refuses this host's hello", async () => {
    const clock = new ManualClock();
    const connect = async () => {
      const [host, device] = duplexPair();
      device.on("data", (chunk: Buffer) => {
        const seq = JSON.parse(chunk.toString().split("|")[0]!).seq as number;
        device.write(encodeFrame({ v: 1, seq: 7, type: "error", code: "refused", ref: seq, detail: "protocol mismatch: firmware speaks v1 fingerprint 0000000000000000" }));
      });
      return host;
    };
    const error = await runUntil(clock, CuffClient.open({ connect: duplexConnector(connect), clock, label: "/dev/ttyACM0" }).catch((e: Error) => e));
    expect((error as Error).message).toBe("/dev/ttyACM0 refused this host: protocol mismatch: firmware speaks v1 fingerprint 0000000000000000");
  });

  it("says a talking port is not a cuff", async () => {
    const clock = new ManualClock();
    const connect = async () => {
      const [host, device] = duplexPair();
      device.write("AT+OK\r\nhello world\n");
      return host;
    };
    const error = await runUntil(clock, CuffClient.open({ connect: duplexConnector(connect), clock, label: "/dev/ttyUSB9" }).catch((e: Error) => e));
    expect(error).toBeInstanceOf(NotACuffError);
    expect((error as Error).message).toBe(
      "/dev/ttyUSB9 is not a cuff: it sent 2 line(s) that are not cuff link frames and no hello within 3 s",
    );
    expect(clock.pendingCount()).toBe(0);
  });
});

describe("CuffClient commands", () => {
  it("resolves on the ack", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock);
    const client = await openWith(clock, fw);
    const ack = await runUntil(clock, client.hold({ mmhg: 150 }));
    expect(ack.type).toBe("ack");
    expect(fw.executed.map((m) => m.type)).toEqual(["hold"]);
    await client.close();
  });

  it("rejects on a nack with the firmware's reason", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock, { nacks: { "start-session": "not-zeroed" } });
    const client = await openWith(clock, fw);
    const plan = { sets: [30, 15, 15, 15], target: { percentLop: 60 } };
    const error = await runUntil(clock, client.startSession("leg", plan).catch((e: Error) => e));
    expect(error).toBeInstanceOf(NackError);
    expect((error as NackError).reason).toBe("not-zeroed");
    expect((error as Error).message).toBe('the cuff refused "start-session": not-zeroed (scripted refusal of start-session)');
    await client.close();
  });

  it("retries a lost command with the same seq and it executes once", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock, { drop: { deflate: 2 } });
    const client = await openWith(clock, fw);
    const started = clock.nowSeconds();
    await runUntil(clock, client.deflate());
    const sends = fw.received.filter((m) => m.type === "deflate");
    expect(sends).toHaveLength(3);
    expect(new Set(sends.map((m) => m.seq)).size).toBe(1);
    expect(fw.executed.filter((m) => m.type === "deflate")).toHaveLength(1);
    // two ack timeouts of 0.5 s before the third try is answered
    expect(clock.nowSeconds() - started).toBeGreaterThanOrEqual(1.0);
    expect(clock.nowSeconds() - started).toBeLessThan(1.2);
    await client.close();
  });

  it("a replayed seq whose ack was lost is answered from the reply cache, not executed again", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock);
    const client = await openWith(clock, fw);
    // the first ack never reaches the host: the command is resent with the same seq
    const original = fw.emit.bind(fw);
    let swallowed = 0;
    fw.emit = (body) => {
      if (body.type === "ack" && swallowed === 0) {
        swallowed++;
        return;
      }
      original(body);
    };
    await runUntil(clock, client.hold({ mmhg: 120 }));
    expect(fw.received.filter((m) => m.type === "hold")).toHaveLength(2);
    expect(fw.executed.filter((m) => m.type === "hold")).toHaveLength(1);
    await client.close();
  });

  it("times out after the retries with a clear error", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock, { drop: { zero: 99 } });
    const client = await openWith(clock, fw, { retries: 2, ackTimeoutSeconds: 0.4 });
    const started = clock.nowSeconds();
    const error = await runUntil(clock, client.zero().catch((e: Error) => e));
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect((error as Error).message).toBe('no answer from the test cuff to "zero" after 3 tries over 1.2 s');
    expect(clock.nowSeconds() - started).toBeCloseTo(1.2, 1);
    expect(new Set(fw.received.filter((m) => m.type === "zero").map((m) => m.seq)).size).toBe(1);
    await client.close();
  });
});

describe("CuffClient heartbeats and telemetry", () => {
  it("sends a heartbeat every 0.5 s, well inside the firmware's 2 s host-silence window", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock);
    const client = await openWith(clock, fw);
    const before = fw.received.filter((m) => m.type === "heartbeat").length;
    await run(clock, 10);
    const beats = fw.received.filter((m) => m.type === "heartbeat").length - before;
    expect(beats).toBeGreaterThanOrEqual(19);
    expect(beats).toBeLessThanOrEqual(21);
    await client.close();
  });

  it("streams telemetry at the firmware's 20 Hz and the state", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock);
    const client = await openWith(clock, fw);
    const frames: number[] = [];
    const states: string[] = [];
    client.telemetry$.subscribe((t) => frames.push(t.mmhg));
    client.state$.subscribe((s) => states.push(s));
    await run(clock, 1);
    await runUntil(clock, client.hold({ mmhg: 150 }));
    await run(clock, 1);
    expect(frames.length).toBeGreaterThanOrEqual(38);
    expect(frames.at(-1)).toBe(150);
    expect(states).toEqual(["vented", "regulating"]);
    await client.close();
  });
});

describe("CuffClient reconnection", () => {
  it("reconnects after the cable is pulled, resynchronises, and a command in flight is executed once", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock);
    const client = await openWith(clock, fw);
    await runUntil(clock, client.hold({ mmhg: 150 }));
    const states: string[] = [];
    client.connection$.subscribe((s) => states.push(s));
    fw.unplug();
    const deflate = client.deflate();
    await run(clock, 0.1);
    expect(client.connected).toBe(false);
    await runUntil(clock, deflate, 10);
    expect(fw.links).toBe(2);
    expect(states).toEqual(["connected", "reconnecting", "connected"]);
    expect(fw.executed.map((m) => m.type)).toEqual(["hold", "deflate"]);
    // the resync after reconnecting saw the session the firmware was running
    const statusRequests = fw.received.filter((m) => m.type === "status-request");
    expect(statusRequests).toHaveLength(2);
    // same instance on both hellos, so the firmware keeps its reply cache
    expect(new Set(fw.received.filter((m) => m.type === "hello").map((m) => (m as { instance: string }).instance))).toEqual(
      new Set(["test-host"]),
    );
    await client.close();
  });

  it("treats a firmware that goes silent as a lost link and reports the status on reconnect", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock);
    const client = await openWith(clock, fw);
    await runUntil(clock, client.hold({ mmhg: 150 }));
    const statuses: string[] = [];
    client.status$.subscribe((s) => statuses.push(`${s.state}/${s.phase}/set ${s.set}`));
    const notices: string[] = [];
    client.notices$.subscribe((n) => notices.push(n.kind));
    // freeze the firmware's output on this link (a hung USB adapter)
    const original = fw.emit.bind(fw);
    fw.emit = () => undefined;
    await run(clock, 1.6);
    expect(notices).toContain("lost");
    fw.emit = original;
    await run(clock, 2);
    expect(client.connected).toBe(true);
    expect(statuses).toEqual(["regulating/set/set 1"]);
    await client.close();
  });

  it("backs off between attempts and gives up with a clear error", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock);
    let refuse = false;
    const attempts: number[] = [];
    const connect = async () => {
      attempts.push(clock.nowSeconds());
      if (refuse) throw new Error("there is no serial port at /dev/ttyACM0");
      return fw.connect();
    };
    const client = await runUntil(clock, CuffClient.open({ connect: duplexConnector(connect), clock, reconnect: { initialSeconds: 0.25, maxSeconds: 2, giveUpSeconds: 8 } }));
    refuse = true;
    const lostAt = clock.nowSeconds();
    fw.unplug();
    const closed = new Promise<void>((resolve) => client.connection$.subscribe({ complete: resolve }));
    const pending = client.deflate().catch((e: Error) => e);
    await runUntil(clock, closed, 20);
    const retries = attempts.slice(1);
    expect(retries[0]! - lostAt).toBeCloseTo(0.25, 1);
    const gaps = retries.slice(1).map((t, i) => Number((t - retries[i]!).toFixed(1)));
    // doubling from 0.25 s, capped at 2 s, until 8 s without a link
    expect(gaps).toEqual([0.5, 1, 2, 2, 2, 2]);
    const error = await pending;
    expect((error as Error).message).toMatch(/^lost the link to the cuff for 10 s \(there is no serial port at \/dev\/ttyACM0\)$/);
    expect(clock.pendingCount()).toBe(0);
  });
});

describe("CuffClient teardown", () => {
  it("leaves no timers, streams or subscriptions behind", async () => {
    const clock = new ManualClock();
    const fw = new ScriptedFirmware(clock, { drop: { zero: 1 } });
    const client = await openWith(clock, fw);
    let completed = 0;
    client.telemetry$.subscribe({ complete: () => completed++ });
    client.events$.subscribe({ complete: () => completed++ });
    client.state$.subscribe({ complete: () => completed++ });
    const inFlight = client.zero().catch((e: Error) => e.name);
    await client.close();
    await run(clock, 0.1);
    expect(await inFlight).toBe("ClientClosedError");
    expect(completed).toBe(3);
    expect(fw.telemetryRunning).toBe(false);
    expect(clock.pendingCount()).toBe(0);
  });
});
