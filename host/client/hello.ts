/** What the hello exchange can tell about the other end, in sentences a person can act on. */
import { PROTOCOL_VERSION, SCHEMA_FINGERPRINT } from "../../shared/protocol/index.ts";
import { HelloMismatchError, NotACuffError } from "./errors.ts";

export function mismatchError(label: string, protocol: number | string, fingerprint: string): HelloMismatchError {
  return new HelloMismatchError(
    `${label} speaks a different cuff link (firmware protocol ${protocol}, fingerprint ${fingerprint}; ` +
      `this host: protocol ${PROTOCOL_VERSION}, fingerprint ${SCHEMA_FINGERPRINT}): install the same release of firmware and host`,
  );
}

/** No hello came back: a device that is not a cuff, or nothing at all. */
export function notACuffError(label: string, badLines: number, seconds: number): NotACuffError {
  return new NotACuffError(
    badLines > 0
      ? `${label} is not a cuff: it sent ${badLines} line(s) that are not cuff link frames and no hello within ${seconds} s`
      : `no cuff answered on ${label} within ${seconds} s (is it a cuff, is the firmware running?)`,
  );
}

/** A firmware hello our schemas cannot read (another version): its protocol and fingerprint, if the frame says. */
export function foreignHello(line: string): { protocol: string; fingerprint: string } | null {
  const sep = line.lastIndexOf("|");
  if (sep < 0) return null;
  try {
    const value = JSON.parse(line.slice(0, sep)) as Record<string, unknown>;
    if (value.type !== "hello" || value.role !== "firmware") return null;
    return { protocol: String(value.protocol ?? value.v ?? "?"), fingerprint: String(value.fingerprint ?? "?") };
  } catch {
    return null;
  }
}
