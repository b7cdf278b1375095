export * from "./crc16.ts";
export * from "./messages.ts";
export * from "./framing.ts";
export * from "./sequence.ts";
export * from "./fingerprint.ts";
export * from "./pairing.ts";
