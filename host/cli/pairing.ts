/**
 * The pairing key on disk. The firmware makes its key on the first run that serves a
 * paired link (a serial port, Bluetooth SPP) and shows it once; a host keeps the key it
 * was given with `cuff pair KEY`. Both live in the per-user config folder
 * (CUFF_PROFILE_DIR, else ~/.config/cuff), readable by the user alone.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { newPairingKey, parsePairingKey } from "../../shared/protocol/pairing.ts";
import { profileDir } from "../profile/profile.ts";
import { CliError } from "./errors.ts";

/** The key a host proves (cuff pair KEY writes it). */
export function hostKeyPath(env: NodeJS.ProcessEnv): string {
  return join(profileDir(undefined, env), "pairing-key");
}

/** The key the firmware checks on a paired link. */
export function firmwareKeyPath(env: NodeJS.ProcessEnv): string {
  return join(profileDir(undefined, env), "firmware-pairing-key");
}

function readKey(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, { encoding: "utf8", flag: "r" }).slice(0, 200);
  } catch (error) {
    throw new CliError(`cannot read the pairing key in ${path}: ${(error as Error).message}`);
  }
  const key = parsePairingKey(text);
  if (!key) throw new CliError(`the pairing key in ${path} is not 64 hex digits; pair again (cuff pair KEY)`);
  return key;
}

function writeKey(path: string, keyHex: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, keyHex + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The host's key, if this computer was paired. */
export function loadHostPairingKey(env: NodeJS.ProcessEnv): Uint8Array | undefined {
  const path = hostKeyPath(env);
  return existsSync(path) ? readKey(path) : undefined;
}

export function saveHostPairingKey(env: NodeJS.ProcessEnv, text: string): string {
  const key = parsePairingKey(text);
  if (!key) throw new CliError(`a pairing key is 64 hex digits (as cuff firmware showed it), got "${text.slice(0, 80)}"`);
  const path = hostKeyPath(env);
  writeKey(path, text.trim().toLowerCase());
  return path;
}

/** The firmware's key from `path`; made (and shown once, through `show`) if there is none yet. */
export function loadOrCreateFirmwareKey(path: string, show: (line: string) => void): Uint8Array {
  if (existsSync(path)) return readKey(path);
  const keyHex = newPairingKey();
  try {
    writeKey(path, keyHex);
  } catch (error) {
    throw new CliError(`cannot save the link's pairing key in ${path}: ${(error as Error).message}`);
  }
  show(`cuff firmware: made the link's pairing key (shown this once; it is kept in ${path}, readable by you alone):`);
  show(`  ${keyHex}`);
  show("cuff firmware: on each host that should command this cuff, run: cuff pair <that key>");
  return parsePairingKey(keyHex)!;
}
