/**
 * Who may command the cuff over one link: the firmware's link server and the
 * cuff app's hub (for each page's WebSocket) judge hosts alike. An open link
 * (stdio, a pty: the local user's own) admits every command. A paired link
 * admits every command only from a host whose hello proved the pairing key over
 * the link's current nonce; anyone else may read status and deflate, nothing more.
 */
import type { HostMessage } from "./messages.ts";
import { newPairingNonce, proofMatches } from "./pairing.ts";

/** What an unproved peer may still do: see what the cuff does and empty it. */
const ALWAYS_ADMITTED: ReadonlySet<HostMessage["type"]> = new Set(["status-request", "deflate"]);

export type HelloVerdict = "admitted" | "unproved" | "wrong-proof";

export class LinkAdmission {
  private nonce: string;
  /** The host instance admitted on this link (null: none). */
  private admitted: string | null = null;

  constructor(
    /** The pairing key; null for an open link. */
    private readonly key: Uint8Array | null,
    private readonly freshNonce: () => string = newPairingNonce,
  ) {
    this.nonce = freshNonce();
  }

  get open(): boolean {
    return this.key === null;
  }

  get authenticated(): boolean {
    return this.open || this.admitted !== null;
  }

  /** The fields of the firmware's hello that tell a host how this link admits it. */
  helloFields(): { link: "open" | "paired"; nonce?: string; authenticated: boolean } {
    return this.open ? { link: "open", authenticated: true } : { link: "paired", nonce: this.nonce, authenticated: this.authenticated };
  }

  /**
   * Judges a host's hello. A valid proof admits its instance and uses the nonce up (a recorded
   * proof is then worthless). The admitted instance keeps its admission through its own repeated
   * hellos; any other hello without a valid proof leaves the link unproved.
   */
  hello(instance: string, proof: string | undefined): HelloVerdict {
    if (this.key === null) return "admitted";
    if (proof !== undefined && proofMatches(this.key, this.nonce, instance, proof)) {
      this.admitted = instance;
      this.nonce = this.freshNonce();
      return "admitted";
    }
    if (this.admitted === instance) return "admitted";
    this.admitted = null;
    return proof === undefined ? "unproved" : "wrong-proof";
  }

  /** Whether this message is carried out for the present peer. */
  admits(type: HostMessage["type"]): boolean {
    return this.authenticated || ALWAYS_ADMITTED.has(type);
  }
}
