import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  crc16CcittFalse,
  decodeFirmwareFrame,
  decodeHostFrame,
  encodeFrame,
  FrameTooLongError,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  commandContent,
  ReplyCache,
  SCHEMA_FINGERPRINT,
  SequenceCounter,
} from "../../shared/protocol/index.ts";
import { renderSchemaFile, SCHEMA_FILE } from "../../scripts/write-schema.ts";

const v = PROTOCOL_VERSION;
const plan = { sets: [30, 15, 15, 15], restSeconds: 30, target: { percentLop: 80 }, lop: "measure" };

const hostSamples = [
  { v, seq: 0, type: "hello", role: "host", protocol: 1, fingerprint: SCHEMA_FINGERPRINT, software: "cuff-host 0.1", instance: "a1b2" },
  { v, seq: 1, type: "heartbeat" },
  { v, seq: 2, type: "zero", cuff: 0 },
  { v, seq: 3, type: "measure-lop", cuff: 0, limb: "leg" },
  { v, seq: 4, type: "start-session", cuff: 0, limb: "leg", plan },
  { v, seq: 5, type: "start-session", cuff: 1, limb: "arm", plan: { mode: "continuous", minutes: 10, target: { mmhg: 120 }, lop: 180 } },
  { v, seq: 6, type: "start-session", cuff: 0, limb: "arm", plan: { mode: "cycle", cycles: 4, target: { percentLop: 40 }, stepMmhg: 10, lop: 170 } },
  { v, seq: 7, type: "set-done", cuff: 0 },
  { v, seq: 8, type: "hold", cuff: 0, target: { mmhg: 150 } },
  { v, seq: 9, type: "deflate", cuff: 0 },
  { v, seq: 10, type: "abort", cuff: 0 },
  { v, seq: 11, type: "ack-fault", cuff: 0 },
  { v, seq: 12, type: "configure", cuff: 0, ceilingMmhg: 250, hostSilence: { policy: "continue", timeoutSeconds: 5 } },
  { v, seq: 13, type: "status-request", cuff: 0 },
] as const;

const summary = {
  ok: true, ending: "completed", endReason: "plan complete", lopMmhg: 190, targetMmhg: 152,
  sets: [{ planned: 30, reps: 30, seconds: 61.5 }], restrictionSeconds: 300,
  exerciseWithin10: 0.99, restWithin5: 1, peakMmhg: 160, alarms: [{ t: 10, kind: "deviation" }],
};
const firmwareSamples = [
  { v, seq: 0, type: "hello", role: "firmware", protocol: 1, fingerprint: SCHEMA_FINGERPRINT, software: "cuff-fw 0.1", cuffs: 1, uptime: 12.5 },
  { v, seq: 1, type: "ack", ref: 4 },
  { v, seq: 2, type: "nack", ref: 4, reason: "not-zeroed", detail: "zero the sensor first" },
  { v, seq: 3, type: "error", code: "checksum", ref: null, detail: "checksum 0000 does not match 1234" },
  { v, seq: 4, type: "telemetry", cuff: 0, t: 1.25, mmhg: 152.3, target: 152, state: "regulating", phase: "set", pump: 0.4, vent: 0, set: 1, rep: 3 },
  { v, seq: 5, type: "state", cuff: 0, t: 2, from: "vented", to: "zeroing", phase: "zero", cause: "zero-requested", reason: "zero requested" },
  { v, seq: 6, type: "phase", cuff: 0, t: 3, phase: "rest", set: 1, seconds: 30 },
  { v, seq: 7, type: "rep", cuff: 0, t: 4, set: 1, rep: 12 },
  { v, seq: 8, type: "alarm", cuff: 0, t: 5, kind: "leak", severity: "fault", detail: "pressure falls 40 mmHg/min" },
  { v, seq: 9, type: "lop-result", cuff: 0, t: 6, ok: true, mmhg: 188, quality: 0.9, reason: "pulsations vanished", durationSeconds: 31 },
  { v, seq: 10, type: "summary", cuff: 0, t: 7, summary },
  {
    v, seq: 11, type: "status", ref: 13, cuff: 0, t: 8, state: "vented", phase: "idle", zeroed: true, lop: null, target: null,
    limb: null, plan: null, set: 0, rep: 0, activeAlarms: [], hostSilence: { policy: "vent", timeoutSeconds: 2 }, lastSummary: null,
  },
] as const;

describe("CRC-16/CCITT-FALSE", () => {
  it("gives the check value 0x29B1 for 123456789", () => {
    expect(crc16CcittFalse(new TextEncoder().encode("123456789"))).toBe(0x29b1);
  });
});

describe("frame round trip", () => {
  it.each(hostSamples.map((m) => [m.type, m] as const))("host message %s", (_type, message) => {
    const frame = encodeFrame(message as never);
    expect(frame.endsWith("\n")).toBe(true);
    expect(frame).toMatch(/\|[0-9a-f]{4}\n$/);
    const decoded = decodeHostFrame(frame);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(decoded.message).toMatchObject(message as object);
  });
  it.each(firmwareSamples.map((m) => [m.type, m] as const))("firmware message %s", (_type, message) => {
    const decoded = decodeFirmwareFrame(encodeFrame(message as never));
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(decoded.message).toEqual(message);
  });
  it("fills in the default cuff index", () => {
    const decoded = decodeHostFrame(encodeFrame({ v, seq: 1, type: "deflate" }));
    expect(decoded).toMatchObject({ ok: true, message: { cuff: 0 } });
  });
});

describe("decode failures carry the right code", () => {
  const good = encodeFrame(hostSamples[8] as never).trimEnd();
  it("too long", () => {
    expect(decodeHostFrame("x".repeat(MAX_FRAME_BYTES))).toMatchObject({ ok: false, code: "too-long" });
  });
  it("checksum", () => {
    expect(decodeHostFrame(good.replace('"mmhg":150', '"mmhg":151'))).toMatchObject({ ok: false, code: "checksum" });
  });
  it("framing: no separator, bad crc digits, not JSON", () => {
    expect(decodeHostFrame('{"v":1}')).toMatchObject({ code: "framing" });
    expect(decodeHostFrame(good.slice(0, -4) + "ABCD")).toMatchObject({ code: "framing" });
    const notJson = "{nope";
    expect(decodeHostFrame(`${notJson}|${crc16CcittFalse(new TextEncoder().encode(notJson)).toString(16).padStart(4, "0")}`)).toMatchObject({ code: "framing" });
  });
  it("unknown type and schema, with the seq as ref", () => {
    expect(decodeHostFrame(encodeFrame({ v, seq: 9, type: "launch" }))).toMatchObject({ code: "unknown-type", ref: 9 });
    expect(decodeHostFrame(encodeFrame({ v, seq: 10, type: "hold", target: { mmhg: 999 } }))).toMatchObject({ code: "schema", ref: 10 });
    expect(decodeHostFrame(encodeFrame({ v, seq: 11, type: "hold", target: { percentLop: 95 } }))).toMatchObject({ code: "schema", ref: 11 });
    expect(decodeHostFrame(encodeFrame({ v: 2, seq: 12, type: "heartbeat" }))).toMatchObject({ code: "schema", ref: 12 });
    // A firmware-only type sent by a host is unknown to the firmware.
    expect(decodeHostFrame(encodeFrame(firmwareSamples[4] as never))).toMatchObject({ code: "unknown-type" });
  });
  it("an encoder refuses to produce an oversized frame", () => {
    expect(() => encodeFrame({ v, seq: 1, type: "nack", ref: 1, reason: "busy", detail: "x".repeat(1100) })).toThrow(FrameTooLongError);
  });
});

const CODES = ["too-long", "checksum", "framing", "schema", "unknown-type"];

function mutate(frame: Uint8Array, kind: number, a: number, b: number): Uint8Array {
  const bytes = Uint8Array.from(frame);
  switch (kind) {
    case 0: { // bit flip
      const i = a % bytes.length;
      bytes[i] = bytes[i]! ^ (1 << (b % 8));
      return bytes;
    }
    case 1: return bytes.subarray(0, a % bytes.length); // truncation
    case 2: { // doubled separator
      const i = bytes.lastIndexOf(0x7c);
      return Uint8Array.from([...bytes.subarray(0, i), 0x7c, ...bytes.subarray(i)]);
    }
    case 3: return Uint8Array.from([...bytes].filter((x) => x !== 0x7c)); // missing separator
    case 4: { // invalid UTF-8
      const i = a % bytes.length;
      return Uint8Array.from([...bytes.subarray(0, i), 0xc3, 0x28, 0xff, ...bytes.subarray(i)]);
    }
    default: { // 2 kB line
      const pad = new Uint8Array(2048).fill(0x41);
      return Uint8Array.from([...bytes, ...pad]);
    }
  }
}

describe("decode never throws (property-based)", () => {
  const frames = [...hostSamples, ...firmwareSamples].map((m) => new TextEncoder().encode(encodeFrame(m as never).trimEnd()));

  it("over 6 000 mutated frames", () => {
    let failures = 0;
    fc.assert(
      fc.property(fc.nat(frames.length - 1), fc.nat(5), fc.nat(), fc.nat(), (which, kind, a, b) => {
        const line = mutate(frames[which]!, kind, a, b);
        for (const result of [decodeHostFrame(line), decodeFirmwareFrame(line)]) {
          if (!result.ok) {
            failures++;
            expect(CODES).toContain(result.code);
            if (kind === 5) expect(result.code).toBe("too-long");
            if (kind === 3) expect(result.code).toBe("framing");
            if (kind === 0 && line.length === frames[which]!.length) expect(["checksum", "framing"]).toContain(result.code);
          }
        }
      }),
      { numRuns: 6000, seed: 42 },
    );
    expect(failures).toBeGreaterThan(6000);
  });

  it("over 3 000 random lines", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 1200 }), fc.uint8Array({ maxLength: 1200 }).map((u) => u as Uint8Array | string)), (line) => {
        const result = decodeHostFrame(line);
        expect(result.ok === false ? CODES : []).toContain(result.ok ? undefined : result.code);
      }),
      { numRuns: 3000, seed: 7 },
    );
  });

  it("over 2 000 well-framed JSON values with wrong types", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ v: fc.jsonValue(), seq: fc.jsonValue(), type: fc.constantFrom("hold", "zero", "start-session", "hello", "nope"), cuff: fc.jsonValue(), target: fc.jsonValue() }),
        ),
        (value) => {
          const json = JSON.stringify(value) ?? "null";
          const bytes = new TextEncoder().encode(json);
          const line = `${json}|${crc16CcittFalse(bytes).toString(16).padStart(4, "0")}`;
          const result = decodeHostFrame(line);
          if (!result.ok) {
            expect(CODES).toContain(result.code);
            if (typeof value !== "object" || value === null || Array.isArray(value)) expect(result.code === "framing" || result.code === "too-long").toBe(true);
          }
        },
      ),
      { numRuns: 2000, seed: 3 },
    );
  });
});

describe("sequence numbers", () => {
  it("wrap from 65535 to 0", () => {
    const counter = new SequenceCounter(65534);
    expect([counter.take(), counter.take(), counter.take()]).toEqual([65534, 65535, 0]);
  });

  it("a repeated command seq is answered again but executed once", () => {
    const cache = new ReplyCache<string>(4);
    let executed = 0;
    const handle = (seq: number) => {
      const replay = cache.replayFor(seq, "zero");
      if (replay !== undefined) return replay;
      executed++;
      const reply = `ack ${seq}`;
      cache.remember(seq, "zero", reply);
      return reply;
    };
    expect(handle(65535)).toBe("ack 65535");
    expect(handle(65535)).toBe("ack 65535");
    expect(handle(0)).toBe("ack 0");
    expect(executed).toBe(2);
    for (const s of [1, 2, 3, 4]) handle(s);
    expect(handle(65535)).toBe("ack 65535"); // forgotten after 4 newer commands: executed again
    expect(executed).toBe(7);
  });

  it("the same seq with other content is a new command, not a retransmission", () => {
    const cache = new ReplyCache<string>();
    const hold = commandContent({ v, seq: 7, type: "hold", cuff: 0, target: { mmhg: 150 } });
    const deflate = commandContent({ v, seq: 7, type: "deflate", cuff: 0 });
    cache.remember(7, hold, "ack 7");
    expect(cache.replayFor(7, hold)).toBe("ack 7");
    expect(cache.replayFor(7, deflate)).toBeUndefined();
    // Key order does not make a retransmission look new.
    expect(commandContent({ type: "hold", target: { mmhg: 150 }, cuff: 0, seq: 7, v })).toBe(hold);
  });
});

describe("fingerprint and JSON Schema", () => {
  it("is 16 hex digits and stable across runs", async () => {
    expect(SCHEMA_FINGERPRINT).toMatch(/^[0-9a-f]{16}$/);
    const { execFileSync } = await import("node:child_process");
    const again = execFileSync(process.execPath, ["--import", "tsx", "-e", 'import("./shared/protocol/fingerprint.ts").then(m => process.stdout.write(m.SCHEMA_FINGERPRINT))'], { encoding: "utf8" });
    expect(again).toBe(SCHEMA_FINGERPRINT);
  });

  it("changes when a schema changes", async () => {
    const { z } = await import("zod");
    const { createHash } = await import("node:crypto");
    const { linkJsonSchema } = await import("../../shared/protocol/fingerprint.ts");
    const base = linkJsonSchema();
    const changed = { ...base, $defs: { ...(base.$defs as object), extra: z.toJSONSchema(z.object({ x: z.number() })) } };
    const hash = (o: unknown) => createHash("sha256").update(JSON.stringify(o)).digest("hex").slice(0, 16);
    expect(hash(base)).toBe(SCHEMA_FINGERPRINT);
    expect(hash(changed)).not.toBe(SCHEMA_FINGERPRINT);
  });

  it("the committed JSON Schema file is current (npm run schema regenerates it)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(renderSchemaFile());
  });
});
