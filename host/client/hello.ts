/** What the hello exchange can tell about the other end, in sentences a person can act on. */
import { type HostBody, pairingProof, PROTOCOL_VERSION, SCHEMA_FINGERPRINT } from "../../shared/protocol/index.ts";
import type { Clock } from "../../shared/clock.ts";
import type { FirmwareHelloMessage } from "./options.ts";
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

/**
 * The hello exchange of one connection: the host's hello, and which firmware hello ends the
 * exchange. On a paired link a host with the pairing key answers each new nonce with a hello
 * proving the key over it, and the exchange ends once the firmware says the host is admitted;
 * without the key it ends unpaired (status and deflate only).
 */
export class HelloExchange {
  private provedNonce: string | null = null;

  constructor(
    private readonly software: string,
    private readonly instance: string,
    private readonly key: Uint8Array | undefined,
  ) {}

  body(): HostBody {
    const proof = this.key && this.provedNonce ? pairingProof(this.key, this.provedNonce, this.instance) : undefined;
    return { type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: SCHEMA_FINGERPRINT, software: this.software, instance: this.instance, ...(proof ? { proof } : {}) };
  }

  /** "prove": send body() now, over the nonce this hello carries; "wait": the answer to the proof is still to come. */
  judge(hello: FirmwareHelloMessage): "done" | "prove" | "wait" {
    if (!this.key || hello.link !== "paired" || hello.authenticated === true || !hello.nonce) return "done";
    if (hello.nonce === this.provedNonce) return "wait";
    this.provedNonce = hello.nonce;
    return "prove";
  }
}

/** 12 hex digits, random per client: the firmware forgets replayable replies when it changes. */
export function randomInstance(): string {
  return [...globalThis.crypto.getRandomValues(new Uint8Array(6))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Waits for `arm`'s wake-up, `seconds`, or the connection's end, whichever comes first. */
export function helloWait(clock: Clock, seconds: number, gone: Promise<void>, arm: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      timer.cancel();
      resolve();
    };
    const timer = clock.schedule(seconds, finish);
    arm(finish);
    void gone.then(finish);
  });
}
