/** The options of `cuff app` that are its own: where it listens, and the token that guards it off loopback. */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isLoopback, newToken } from "../app/server/access.ts";
import { CliError, UsageError } from "./errors.ts";

export const DEFAULT_LISTEN = { host: "127.0.0.1", port: 8780 };
const TOKEN_FILE = "app-token";

/** "HOST:PORT" ("[::1]:PORT" for IPv6); PORT 0 = any free port. */
export function parseListen(text: string | undefined): { host: string; port: number } {
  if (text === undefined) return DEFAULT_LISTEN;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65535) throw new UsageError(`--listen must be HOST:PORT, like 127.0.0.1:8780 or 0.0.0.0:8780 (port 0 = any free port), got "${text}"`);
  return { host: (match[1] ?? match[2])!, port };
}

/**
 * The access token for a listener off loopback: kept in the profile folder
 * (readable by its owner only) so phones stay signed in across restarts.
 */
export function appToken(profileFolder: string, host: string): string {
  if (isLoopback(host)) return newToken();
  const path = join(profileFolder, TOKEN_FILE);
  try {
    const kept = readFileSync(path, "utf8").trim();
    if (/^[\w-]{32,}$/.test(kept)) return kept;
  } catch {
    // none yet: make one below
  }
  const token = newToken();
  try {
    mkdirSync(profileFolder, { recursive: true });
    writeFileSync(path, token + "\n", { mode: 0o600 });
    chmodSync(path, 0o600);
  } catch (error) {
    throw new CliError(`cannot keep the app's access token in ${path}: ${(error as Error).message}`);
  }
  return token;
}
