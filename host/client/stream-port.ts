/**
 * A LinkPort over a Node Duplex (a serial port, a pty, an in-process pipe), split into lines.
 * Bounded both ways: a line never grows past the frame limit (an endless one is cut and
 * reported as too long), and frames the other end does not read are dropped past
 * STREAM_PORT.writableBytes (a command is resent until answered; a heartbeat is worth nothing late).
 */
import type { Duplex } from "node:stream";
import { SerialPort } from "serialport";
import { MAX_FRAME_BYTES } from "../../shared/protocol/framing.ts";
import { LineSplitter } from "../../shared/protocol/line-splitter.ts";
import type { Connector, LinkPort } from "./port.ts";

export const STREAM_PORT = {
  writableBytes: 16 * 1024,
} as const;

const decoder = new TextDecoder();
const TOO_LONG_LINE = "x".repeat(MAX_FRAME_BYTES);

export function streamPort(stream: Duplex): LinkPort {
  const splitter = new LineSplitter();
  const lineListeners: ((line: string) => void)[] = [];
  const closeListeners: ((reason?: string) => void)[] = [];
  let gone = false;
  const markGone = (reason?: string) => {
    if (gone) return;
    gone = true;
    for (const listener of closeListeners) listener(reason);
  };
  stream.on("error", (error: Error) => markGone(error.message));
  stream.on("close", () => markGone());
  stream.on("end", () => markGone());
  const onData = (chunk: Buffer | string) =>
    splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk, (event) => {
      if (gone) return;
      // An endless line reaches the client as one frame too long to decode: a bad frame, not memory.
      const line = event.kind === "line" ? decoder.decode(event.bytes) : TOO_LONG_LINE;
      for (const listener of lineListeners) listener(line);
    });
  stream.on("data", onData);
  return {
    write(frame) {
      if (gone || stream.destroyed || !stream.writable) return;
      if (stream.writableLength > STREAM_PORT.writableBytes) return;
      stream.write(frame);
    },
    onLine(listener) {
      lineListeners.push(listener);
    },
    onClose(listener) {
      closeListeners.push(listener);
    },
    async close() {
      gone = true;
      stream.off("data", onData);
      lineListeners.length = 0;
      await closeStream(stream);
    },
  };
}

/** A Connector from something that yields a fresh Duplex per connect. */
export function duplexConnector(open: () => Promise<Duplex> | Duplex): Connector {
  return async () => streamPort(await open());
}

/** Close a stream whatever it is: a SerialPort closes its file descriptor, other Duplexes are destroyed. */
export function closeStream(stream: Duplex): Promise<void> {
  return new Promise((resolve) => {
    if (stream instanceof SerialPort) {
      if (!stream.isOpen) {
        stream.destroy();
        resolve();
        return;
      }
      stream.close(() => {
        stream.destroy();
        resolve();
      });
      return;
    }
    if (stream.destroyed) {
      resolve();
      return;
    }
    stream.once("close", () => resolve());
    stream.destroy();
  });
}
