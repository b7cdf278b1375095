/**
 * Pairing on links that are not the local user's own (serial ports, Bluetooth
 * SPP, a WebSocket): the firmware holds a random key, shown once when it is
 * made; a host proves it knows the key by an HMAC over a fresh nonce from the
 * firmware's hello, so the key itself never crosses the link and a recorded
 * proof is worthless on the next nonce.
 */
import { equalInConstantTime, fromHex, hmacSha256Hex } from "./hmac.ts";
import { toHex } from "./sha256.ts";

export const PAIRING_KEY_BYTES = 32;
export const PAIRING_NONCE_BYTES = 16;
export const PAIRING_KEY_PATTERN = /^[0-9a-f]{64}$/;

/** A new random pairing key, 64 lowercase hex digits. */
export function newPairingKey(): string {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(PAIRING_KEY_BYTES)));
}

/** A new random nonce, 32 lowercase hex digits. */
export function newPairingNonce(): string {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(PAIRING_NONCE_BYTES)));
}

/** The key as bytes, or null if it is not 64 hex digits. */
export function parsePairingKey(text: string): Uint8Array | null {
  const trimmed = text.trim().toLowerCase();
  return PAIRING_KEY_PATTERN.test(trimmed) ? fromHex(trimmed) : null;
}

/** The host's proof for one hello: HMAC-SHA-256(key, "cuff-link-pairing|<nonce>|<instance>"), 64 hex digits. */
export function pairingProof(key: Uint8Array, nonce: string, instance: string): string {
  return hmacSha256Hex(key, `cuff-link-pairing|${nonce}|${instance}`);
}

export function proofMatches(key: Uint8Array, nonce: string, instance: string, proof: string): boolean {
  return equalInConstantTime(pairingProof(key, nonce, instance), proof);
}
