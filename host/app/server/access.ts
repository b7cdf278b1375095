/**
 * Who may use the app. On the loopback address only this computer can reach
 * it; any other address needs the token printed in the terminal: in the URL on
 * the first visit (`?token=...`), then a cookie. The Host header must name the
 * listener (no DNS rebinding), and a WebSocket's Origin must be the page's own.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIPv6 } from "node:net";

export const TOKEN_COOKIE = "cuff_token";
/** The phone stays signed in this long; a new token (a new key file) signs every phone out. */
const COOKIE_MAX_AGE_SECONDS = 180 * 24 * 3600;

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

export type Verdict = { ok: true; setCookie: string | null } | { ok: false; status: 401 | 403; reason: string };

export interface AccessRules {
  /** null: loopback, no token needed. */
  token: string | null;
  /** Host names the page may be reached by (with the port); null: any (a token guards it). */
  hosts: ReadonlySet<string> | null;
}

function cookieToken(request: IncomingMessage): string | null {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === TOKEN_COOKIE) return rest.join("=");
  }
  return null;
}

function sameSecret(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether this request may be served. */
export function judge(request: IncomingMessage, url: URL, rules: AccessRules): Verdict {
  const host = (request.headers.host ?? "").toLowerCase();
  if (rules.hosts && !rules.hosts.has(host)) return { ok: false, status: 403, reason: `this cuff app answers only to ${[...rules.hosts].join(" or ")}` };
  if (rules.token === null) return { ok: true, setCookie: null };
  const fromQuery = url.searchParams.get("token");
  if (sameSecret(fromQuery, rules.token)) {
    return { ok: true, setCookie: `${TOKEN_COOKIE}=${rules.token}; Path=/; Max-Age=${COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Strict` };
  }
  if (sameSecret(cookieToken(request), rules.token)) return { ok: true, setCookie: null };
  return { ok: false, status: 401, reason: "open the address printed by cuff app, with its token" };
}

/** A WebSocket from a page of another site is refused (browsers always send Origin; other programs may not). */
export function originAllowed(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host.toLowerCase() === (request.headers.host ?? "").toLowerCase();
  } catch {
    return false;
  }
}

/** "host:port" as a browser writes it in the Host header. */
export function hostHeader(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host}:${port}`.toLowerCase();
}
