/**
 * The app's web server: who it serves (a token off loopback, the listener's own
 * host name, same-origin WebSockets) and the recordings folder by byte range.
 * Requests go to 127.0.0.1 only.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type AppServer, startAppServer } from "../../host/app/server/app-server.ts";
import { byteRange } from "../../host/app/server/files.ts";
import { decodeFirmwareFrame, encodeFrame, type FirmwareMessage, type HostBody, PROTOCOL_VERSION, SCHEMA_FINGERPRINT } from "../../shared/protocol/index.ts";
import { parsePairingKey } from "../../shared/protocol/pairing.ts";
import { type HubRig, hubRig } from "./hub-rig.ts";

const TOKEN = "t0ken-for-the-tests-0123456789abcdef";
const PAGE_KEY = "5a".repeat(32);
let rig: HubRig | null = null;
let server: AppServer | null = null;
let folder: string | null = null;

afterEach(async () => {
  await server?.close();
  await rig?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
  server = null;
  rig = null;
  folder = null;
});

async function serve(host: string): Promise<{ base: string; server: AppServer }> {
  rig = await hubRig({ pageKey: parsePairingKey(PAGE_KEY)! });
  folder = mkdtempSync(join(tmpdir(), "cuff-app-records-"));
  server = await startAppServer({ hub: rig.hub, host, port: 0, token: TOKEN, recordsFolder: folder, config: { sim: true, source: "simulated cuff", limb: null, plan: null, pageKey: PAGE_KEY } });
  return { base: `http://127.0.0.1:${server.port}/`, server };
}

/** GET with any Host header (fetch will not send one of its own choosing). */
function statusWithHost(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path: "/", headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on("error", reject)
      .end();
  });
}

/** Resolves with the HTTP status of a refused upgrade, or 101 once the socket opens. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.on("open", () => {
      socket.close();
      resolve(101);
    });
    socket.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
    socket.on("error", () => resolve(0));
  });
}

describe("the cuff app's web server", () => {
  it("off loopback: every request without the token gets 401 and nothing else", async () => {
    const { base, server } = await serve("0.0.0.0");
    expect(server.tokenRequired).toBe(true);
    expect(server.url).toContain(`?token=${TOKEN}`);
    for (const path of ["", "app.js", "app.css", "records/", "records/x.jsonl"]) {
      const response = await fetch(base + path, { redirect: "manual" });
      expect(response.status, path).toBe(401);
      const body = await response.text();
      expect(body).not.toContain("Cuff pressure");
      expect(body).not.toContain(PAGE_KEY);
    }
    expect(await upgrade(`ws://127.0.0.1:${server.port}/link`)).toBe(401);
    expect((await fetch(`${base}?token=wrong-${TOKEN}`, { redirect: "manual" })).status).toBe(401);
  });

  it("off loopback: the token in the address becomes a cookie that opens the page and the link", async () => {
    const { base, server } = await serve("0.0.0.0");
    const first = await fetch(`${base}?token=${TOKEN}`, { redirect: "manual" });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/");
    const cookie = first.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const sent = { cookie: cookie.split(";")[0]! };
    const page = await fetch(base, { headers: sent });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('aria-label="Cuff pressure"');
    // the page carries the key its hello proves
    expect(html).toContain(`"pageKey":"${PAGE_KEY}"`);
    expect(await upgrade(`ws://127.0.0.1:${server.port}/link`, sent)).toBe(101);
  });

  it("on loopback: no token, but only for its own host name and same-origin WebSockets", async () => {
    const { base, server } = await serve("127.0.0.1");
    expect(server.tokenRequired).toBe(false);
    expect((await fetch(base)).status).toBe(200);
    expect(await statusWithHost(server.port, "attacker.example")).toBe(403);
    expect(await statusWithHost(server.port, `localhost:${server.port}`)).toBe(200);
    expect(await upgrade(`ws://127.0.0.1:${server.port}/link`, { origin: "http://attacker.example" })).toBe(403);
    expect(await upgrade(`ws://127.0.0.1:${server.port}/link`, { origin: `http://127.0.0.1:${server.port}` })).toBe(101);
    expect((await fetch(base + "app.js", { method: "POST" })).status).toBe(405);
  });

  it("a WebSocket peer that is not a page the server served may read status and deflate, nothing more", async () => {
    const { server } = await serve("127.0.0.1");
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/link`);
    const received: FirmwareMessage[] = [];
    socket.on("message", (data) => {
      const decoded = decodeFirmwareFrame(String(data));
      if (decoded.ok) received.push(decoded.message);
    });
    await new Promise((resolve) => socket.on("open", resolve));
    const send = (body: HostBody, seq: number) => socket.send(encodeFrame({ v: PROTOCOL_VERSION, seq, ...body } as never));
    const until = async (test: () => boolean) => {
      for (let i = 0; i < 100 && !test(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(test()).toBe(true);
    };
    send({ type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: SCHEMA_FINGERPRINT, software: "a script", instance: "script" }, 1);
    await until(() => received.filter((m) => m.type === "hello").length >= 2);
    expect(received.filter((m) => m.type === "hello").at(-1)).toMatchObject({ link: "paired", authenticated: false });
    send({ type: "zero", cuff: 0 }, 2);
    await until(() => received.some((m) => m.type === "nack" && m.ref === 2));
    expect(received.find((m) => m.type === "nack" && m.ref === 2)).toMatchObject({ reason: "not-paired" });
    socket.close();
  });

  it("serves recordings whole or by byte range, and nothing outside the folder", async () => {
    const { base } = await serve("127.0.0.1");
    const text = '{"type":"recording","startedAt":"2026-01-01T10:00:00.000Z"}\n' + "x".repeat(5000) + "\n";
    writeFileSync(join(folder!, "2026-01-01T10-00-00-leg.jsonl"), text);
    writeFileSync(join(folder!, "notes.txt"), "not a recording");
    const listing = (await (await fetch(base + "records/")).json()) as { files: { name: string; bytes: number }[] };
    expect(listing.files).toEqual([{ name: "2026-01-01T10-00-00-leg.jsonl", bytes: text.length }]);
    const head = await fetch(base + "records/2026-01-01T10-00-00-leg.jsonl", { headers: { range: "bytes=0-9" } });
    expect(head.status).toBe(206);
    expect(await head.text()).toBe(text.slice(0, 10));
    const tail = await fetch(base + "records/2026-01-01T10-00-00-leg.jsonl", { headers: { range: "bytes=-6" } });
    expect(await tail.text()).toBe(text.slice(-6));
    expect((await fetch(base + "records/2026-01-01T10-00-00-leg.jsonl", { headers: { range: "bytes=9000-" } })).status).toBe(416);
    expect((await fetch(base + "records/notes.txt")).status).toBe(404);
    expect((await fetch(base + "records/..%2F..%2Fetc%2Fpasswd")).status).toBe(404);
  });

  it("reads byte ranges as RFC 9110 writes them", () => {
    expect(byteRange("bytes=0-99", 1000)).toEqual([0, 99]);
    expect(byteRange("bytes=900-", 1000)).toEqual([900, 999]);
    expect(byteRange("bytes=-100", 1000)).toEqual([900, 999]);
    expect(byteRange("bytes=-5000", 1000)).toEqual([0, 999]);
    expect(byteRange("bytes=500-10000", 1000)).toEqual([500, 999]);
    expect(byteRange("bytes=1000-", 1000)).toBeNull();
    expect(byteRange("bytes=-", 1000)).toBeNull();
    expect(byteRange("items=0-1", 1000)).toBeNull();
  });
});
