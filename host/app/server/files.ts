/**
 * The recordings folder served as files: a listing of its recordings, and each
 * recording as it is on disk, with single byte ranges (the history reads the
 * first and last lines of long sessions).
 */
import { createReadStream, readdirSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";

const RECORDING_NAME = /^[\w.-]+\.jsonl$/;

export function listRecordings(folder: string | null): { files: { name: string; bytes: number }[] } {
  if (folder === null) return { files: [] };
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return { files: [] };
  }
  const files = names
    .filter((name) => RECORDING_NAME.test(name))
    .flatMap((name) => {
      try {
        const stat = statSync(join(folder, name));
        return stat.isFile() ? [{ name, bytes: stat.size }] : [];
      } catch {
        return [];
      }
    });
  return { files };
}

/** "bytes=a-b", "bytes=a-" or "bytes=-n" against a file of `size` bytes: [start, end] inclusive, null if unsatisfiable. */
export function byteRange(header: string, size: number): [number, number] | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null;
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start <= end && start < size ? [start, end] : null;
}

/** Serve one recording; false if there is no such recording. */
export function serveRecording(folder: string | null, name: string, request: IncomingMessage, response: ServerResponse, headers: Record<string, string>): boolean {
  if (folder === null || !RECORDING_NAME.test(name)) return false;
  const path = join(folder, name);
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return false;
    size = stat.size;
  } catch {
    return false;
  }
  const type = { ...headers, "Content-Type": "application/x-ndjson; charset=utf-8", "Accept-Ranges": "bytes", "Cache-Control": "no-store" };
  const rangeHeader = request.headers.range;
  if (rangeHeader !== undefined) {
    const range = byteRange(rangeHeader, size);
    if (range === null) {
      response.writeHead(416, { ...type, "Content-Range": `bytes */${size}` }).end();
      return true;
    }
    const [start, end] = range;
    response.writeHead(206, { ...type, "Content-Range": `bytes ${start}-${end}/${size}`, "Content-Length": String(end - start + 1) });
    if (request.method === "HEAD") response.end();
    else createReadStream(path, { start, end }).pipe(response);
    return true;
  }
  response.writeHead(200, { ...type, "Content-Length": String(size) });
  if (request.method === "HEAD") response.end();
  else createReadStream(path).pipe(response);
  return true;
}
