import { z } from "zod";
import { FirmwareMessageSchema, HostMessageSchema, PROTOCOL_VERSION } from "./messages.ts";
import { sha256Hex } from "./sha256.ts";

/** The JSON Schema of every message, as a third party would implement against. */
export function linkJsonSchema(): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "cuff link",
    description:
      "Messages of the cuff link, protocol " +
      PROTOCOL_VERSION +
      ". One frame per line: <JSON>|<crc16-ccitt-false as 4 lowercase hex>\\n, at most 1024 bytes.",
    protocolVersion: PROTOCOL_VERSION,
    $defs: {
      hostToFirmware: z.toJSONSchema(HostMessageSchema, { io: "input" }),
      firmwareToHost: z.toJSONSchema(FirmwareMessageSchema, { io: "input" }),
    },
  };
}

/** 16 hex digits that change whenever any message schema changes. */
export const SCHEMA_FINGERPRINT: string = sha256Hex(JSON.stringify(linkJsonSchema())).slice(0, 16);
