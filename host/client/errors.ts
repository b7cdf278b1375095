/**
 * Failures of the cuff link as the host sees them. Each message is one sentence
 * a person can act on; the command line prints it as is.
 */
import type { NackReason } from "../../shared/protocol/index.ts";

export class CuffLinkError extends Error {
  override name = "CuffLinkError";
}

/** The port could not be opened (missing, busy, no permission). */
export class PortOpenError extends CuffLinkError {
  override name = "PortOpenError";
}

/** Something answered, but not with cuff link frames. */
export class NotACuffError extends CuffLinkError {
  override name = "NotACuffError";
}

/** The firmware speaks another protocol version or message set. */
export class HelloMismatchError extends CuffLinkError {
  override name = "HelloMismatchError";
}

export class CommandTimeoutError extends CuffLinkError {
  override name = "CommandTimeoutError";
}

/** The firmware understood the command and said no. */
export class NackError extends CuffLinkError {
  override name = "NackError";
  constructor(
    readonly command: string,
    readonly reason: NackReason,
    readonly detail: string,
  ) {
    super(`the cuff refused "${command}": ${reason}${detail ? ` (${detail})` : ""}`);
  }
}

/** The firmware could not decode the command (an error reply with our seq). */
export class RefusedError extends CuffLinkError {
  override name = "RefusedError";
}

/** The link stayed down longer than the client was told to keep trying. */
export class LinkLostError extends CuffLinkError {
  override name = "LinkLostError";
}

export class ClientClosedError extends CuffLinkError {
  override name = "ClientClosedError";
}
