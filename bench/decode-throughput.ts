/**
 * Cuff link decode + validate throughput: frames per second through
 * decodeFirmwareFrame (framing, CRC, JSON, zod) on a realistic mix.
 * `npx tsx bench/decode-throughput.ts [seconds]`
 */
import { decodeFirmwareFrame, decodeHostFrame, encodeFrame } from "../shared/protocol/framing.ts";
import { PROTOCOL_VERSION } from "../shared/protocol/messages.ts";

export function measureDecodeThroughput(seconds = 1): { telemetryPerSecond: number; commandPerSecond: number } {
  const telemetry = encodeFrame({
    v: PROTOCOL_VERSION, seq: 1234, type: "telemetry", cuff: 0, t: 123.45, mmhg: 158.21, target: 160, state: "regulating",
    phase: "set", pump: 0.42, vent: 0, lop: 198.4, set: 2, rep: 11,
  });
  const command = encodeFrame({
    v: PROTOCOL_VERSION, seq: 77, type: "start-session", cuff: 0, limb: "leg",
    plan: { sets: [30, 15, 15, 15], restSeconds: 30, target: { percentLop: 80 }, lop: "measure" },
  });
  const rate = (line: string, decode: (l: string) => { ok: boolean }) => {
    let n = 0;
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      for (let i = 0; i < 200; i++) if (!decode(line).ok) throw new Error("benchmark frame failed to decode");
      n += 200;
    }
    return n / seconds;
  };
  rate(telemetry, decodeFirmwareFrame);
  return { telemetryPerSecond: rate(telemetry, decodeFirmwareFrame), commandPerSecond: rate(command, decodeHostFrame) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = measureDecodeThroughput(Number(process.argv[2] ?? 2));
  console.log(`telemetry frames decoded and validated: ${Math.round(result.telemetryPerSecond).toLocaleString("en")} per second`);
  console.log(`start-session commands decoded and validated: ${Math.round(result.commandPerSecond).toLocaleString("en")} per second`);
}
