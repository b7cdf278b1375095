/** A LinkPort over a Node Duplex (a serial port, a pty, an in-process pipe), split into lines. */
import type { Duplex } from "node:stream";
import { ReadlineParser } from "@serialport/parser-readline";
import { SerialPort } from "serialport";
import type { Connector, LinkPort } from "./port.ts";

export function streamPort(stream: Duplex): LinkPort {
  const parser = new ReadlineParser({ delimiter: "\n", encoding: "utf8" });
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
  stream.pipe(parser);
  return {
    write(frame) {
      if (gone || stream.destroyed || !stream.writable) return;
      stream.write(frame);
    },
    onLine(listener) {
      parser.on("data", (line: string) => {
        if (!gone) listener(line);
      });
    },
    onClose(listener) {
      closeListeners.push(listener);
    },
    async close() {
      gone = true;
      stream.unpipe(parser);
      parser.removeAllListeners("data");
      parser.destroy();
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
