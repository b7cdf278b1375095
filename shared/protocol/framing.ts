/**
 * Frames of the cuff link: `<JSON>|<crc>` per line. Pure functions; decoding
 * returns a typed result and never throws.
 */
import type { z } from "zod";
import { crc16Hex } from "./crc16.ts";
import {
  type ErrorCode,
  FirmwareMessageSchema,
  type FirmwareMessage,
  FirmwareMessageSchemas,
  HostMessageSchema,
  type HostMessage,
  HostMessageSchemas,
} from "./messages.ts";

/** Including the newline. */
export const MAX_FRAME_BYTES = 1024;
const SEPARATOR = 0x7c; // "|"
const CRC_PATTERN = /^[0-9a-f]{4}$/;

export type DecodeFailure = { ok: false; code: Exclude<ErrorCode, "refused">; detail: string; ref: number | null };
export type DecodeResult<M> = { ok: true; message: M } | DecodeFailure;

export class FrameTooLongError extends Error {
  constructor(bytes: number, type: string) {
    super(`frame of type "${type}" is ${bytes} bytes, over the ${MAX_FRAME_BYTES}-byte limit`);
    this.name = "FrameTooLongError";
  }
}

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Encode one message as a frame, newline included. Oversized frames are a bug, so they throw. */
export function encodeFrame(message: { type: string } & Record<string, unknown>): string {
  const json = JSON.stringify(message);
  const body = encoder.encode(json);
  const frame = `${json}|${crc16Hex(body)}\n`;
  const bytes = body.length + 6;
  if (bytes > MAX_FRAME_BYTES) throw new FrameTooLongError(bytes, message.type);
  return frame;
}

function fail(code: DecodeFailure["code"], detail: string, ref: number | null = null): DecodeFailure {
  return { ok: false, code, detail, ref };
}

type AnySchemaList = readonly z.ZodType[];

function decodeWith<M>(
  line: string | Uint8Array,
  union: z.ZodType<M>,
  members: AnySchemaList,
): DecodeResult<M> {
  try {
    let bytes = typeof line === "string" ? encoder.encode(line) : line;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0a) end--;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    if (end + 1 > MAX_FRAME_BYTES) return fail("too-long", `line of ${end + 1} bytes exceeds ${MAX_FRAME_BYTES}`);
    bytes = bytes.subarray(0, end);
    const sep = bytes.lastIndexOf(SEPARATOR);
    if (sep < 0) return fail("framing", 'no "|" separator before the checksum');
    const crcText = String.fromCharCode(...bytes.subarray(sep + 1));
    if (!CRC_PATTERN.test(crcText)) return fail("framing", "checksum is not 4 lowercase hex digits");
    const expected = crc16Hex(bytes, sep);
    if (expected !== crcText) return fail("checksum", `checksum ${crcText} does not match ${expected}`);
    let text: string;
    try {
      text = strictUtf8.decode(bytes.subarray(0, sep));
    } catch {
      return fail("framing", "frame is not valid UTF-8");
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return fail("framing", "frame body is not JSON");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return fail("framing", "frame body is not a JSON object");
    }
    const record = value as Record<string, unknown>;
    const ref = Number.isInteger(record.seq) && (record.seq as number) >= 0 && (record.seq as number) <= 65535
      ? (record.seq as number)
      : null;
    if (typeof record.type !== "string") return fail("schema", 'missing string field "type"', ref);
    const known = members.some((m) => {
      const shape = (m as unknown as { shape: { type: { value: string } } }).shape;
      return shape.type.value === record.type;
    });
    if (!known) return fail("unknown-type", `unknown message type "${record.type.slice(0, 40)}"`, ref);
    const parsed = union.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length ? issue.path.join(".") : "(message)";
      return fail("schema", `${record.type}: ${where}: ${issue.message}`.slice(0, 300), ref);
    }
    return { ok: true, message: parsed.data };
  } catch (error) {
    return fail("framing", `undecodable frame (${(error as Error).message})`.slice(0, 300));
  }
}

/** Decode a frame sent by a host (what the firmware receives). */
export function decodeHostFrame(line: string | Uint8Array): DecodeResult<HostMessage> {
  return decodeWith(line, HostMessageSchema, HostMessageSchemas);
}

/** Decode a frame sent by the firmware (what a host receives). */
export function decodeFirmwareFrame(line: string | Uint8Array): DecodeResult<FirmwareMessage> {
  return decodeWith(line, FirmwareMessageSchema, FirmwareMessageSchemas);
}
