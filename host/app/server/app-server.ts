/**
 * The cuff app's web server: the page's files, the recordings folder, and the
 * cuff link on a WebSocket at /link (to the LinkHub). Nothing else: the page
 * works with the cuff link protocol alone. Every request passes access.ts
 * first; a refused one gets 401 (or 403) and nothing is served or changed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { LinkHub } from "../hub/link-hub.ts";
import type { PageConfig } from "../page-config.ts";
import { type AccessRules, hostHeader, isLoopback, judge, originAllowed } from "./access.ts";
import { pageAssets } from "./assets.ts";
import { listRecordings, serveRecording } from "./files.ts";

export const LINK_PATH = "/link";
export const RECORDS_PATH = "/records/";
/** Larger WebSocket messages are cut off by the socket itself (close code 1009); smaller ones over 1024 bytes get a typed error first. */
const MAX_WEBSOCKET_MESSAGE_BYTES = 64 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

export interface AppServerOptions {
  hub: LinkHub;
  /** What the page is told (its link and records paths are set here). */
  config: Omit<PageConfig, "linkPath" | "recordsPath">;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Required on any address but loopback. */
  token: string;
  recordsFolder: string | null;
}

export interface AppServer {
  /** The address to open, with the token when one is needed. */
  url: string;
  port: number;
  /** Whether a token guards the app (not on loopback). */
  tokenRequired: boolean;
  close(): Promise<void>;
}

/** An address a phone can reach when the app listens on every interface: the first external IPv4. */
function reachableHost(listenHost: string): string {
  if (listenHost !== "0.0.0.0" && listenHost !== "::") return listenHost;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === "IPv4" && !address.internal) return address.address;
  }
  return "127.0.0.1";
}

export async function startAppServer(o: AppServerOptions): Promise<AppServer> {
  const assets = await pageAssets({ ...o.config, linkPath: LINK_PATH.slice(1), recordsPath: RECORDS_PATH.slice(1) });
  const loopback = isLoopback(o.host);
  const rules: AccessRules = { token: loopback ? null : o.token, hosts: null };
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES, perMessageDeflate: false });

  const refuse = (response: ServerResponse, status: number, text: string) => {
    response.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
    response.end(text + "\n");
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://cuff.invalid");
    const verdict = judge(request, url, rules);
    if (!verdict.ok) return refuse(response, verdict.status, verdict.reason);
    const headers = { ...SECURITY_HEADERS, ...(verdict.setCookie ? { "Set-Cookie": verdict.setCookie } : {}) };
    if (request.method !== "GET" && request.method !== "HEAD") return refuse(response, 405, "the cuff app serves files only");
    if (url.searchParams.has("token")) {
      // the token now lives in a cookie: take it out of the address bar (and of history and screenshots)
      response.writeHead(303, { ...headers, Location: url.pathname, "Cache-Control": "no-store" });
      response.end();
      return;
    }
    if (url.pathname === RECORDS_PATH) {
      const body = Buffer.from(JSON.stringify(listRecordings(o.recordsFolder)));
      response.writeHead(200, { ...headers, "Content-Type": "application/json", "Cache-Control": "no-store", "Content-Length": String(body.length) });
      response.end(request.method === "HEAD" ? undefined : body);
      return;
    }
    if (url.pathname.startsWith(RECORDS_PATH)) {
      const name = decodeURIComponent(url.pathname.slice(RECORDS_PATH.length));
      if (serveRecording(o.recordsFolder, name, request, response, headers)) return;
      return refuse(response, 404, "no such recording");
    }
    const asset = assets.get(url.pathname === "/index.html" ? "/" : url.pathname);
    if (!asset) return refuse(response, 404, "not found");
    const gzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
    const body = gzip ? asset.gzip : asset.body;
    response.writeHead(200, {
      ...headers,
      "Content-Type": asset.type,
      "Content-Length": String(body.length),
      "Cache-Control": "no-cache",
      Vary: "Accept-Encoding",
      ...(gzip ? { "Content-Encoding": "gzip" } : {}),
    });
    response.end(request.method === "HEAD" ? undefined : body);
  });

  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://cuff.invalid");
    const verdict = judge(request, url, rules);
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : "Not Found"}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${text}\n`);
    };
    if (!verdict.ok) return reject(verdict.status, verdict.reason);
    if (!originAllowed(request)) return reject(403, "a page of another site may not use this cuff");
    if (url.pathname !== LINK_PATH) return reject(404, "not found");
    sockets.handleUpgrade(request, socket, head, (ws) => {
      const peer = o.hub.attach(
        {
          send: (text) => ws.send(text),
          get bufferedBytes() {
            return ws.bufferedAmount;
          },
          close: (code, reason) => ws.close(code, reason),
        },
        request.socket.remoteAddress ?? "a page",
      );
      ws.on("message", (data, isBinary) => peer.receive(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer), isBinary));
      ws.on("close", () => peer.closed());
      ws.on("error", () => ws.terminate());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  if (loopback) rules.hosts = new Set([hostHeader(o.host, port), `localhost:${port}`]);
  const base = `http://${hostHeader(reachableHost(o.host), port)}/`;
  return {
    url: loopback ? base : `${base}?token=${o.token}`,
    port,
    tokenRequired: !loopback,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
