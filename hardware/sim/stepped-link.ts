/**
 * The cuff link in process, stepped with the simulation: a host's frames reach
 * the firmware at once, the firmware's wait until deliver(), as a serial line
 * holds them until the host reads. No stream, no event-loop turn per frame.
 */
import type { FirmwareRuntime } from "../../firmware/runtime.ts";
import { HostLinkMemory, LinkServer } from "../../firmware/link/server.ts";
import type { Connector, LinkPort } from "../../host/client/port.ts";
import { Wire } from "../../firmware/link/wire.ts";

interface Connection {
  server: LinkServer;
  toFirmware: Wire;
  inbox: string[];
  lineListeners: ((line: string) => void)[];
  closeListeners: ((reason?: string) => void)[];
  closed: boolean;
}

export class SteppedLink {
  /** What the firmware remembers of its host across cables (replies by seq). */
  private readonly memory = new HostLinkMemory();
  private connection: Connection | null = null;
  private hostMuted = false;

  constructor(private readonly runtime: FirmwareRuntime) {}

  /** A fresh cable on each call. */
  readonly connect: Connector = async () => {
    this.connection?.server.close();
    const toFirmware = new Wire();
    const c: Connection = { server: null as never, toFirmware, inbox: [], lineListeners: [], closeListeners: [], closed: false };
    c.server = new LinkServer({ runtime: this.runtime, input: toFirmware, output: { write: (frame: string) => void c.inbox.push(frame.slice(0, -1)) }, memory: this.memory });
    this.connection = c;
    const port: LinkPort = {
      write: (frame) => {
        if (!c.closed && !this.hostMuted) toFirmware.write(frame);
      },
      onLine: (listener) => void c.lineListeners.push(listener),
      onClose: (listener) => void c.closeListeners.push(listener),
      close: async () => this.drop(c),
    };
    return port;
  };

  /** Hand the host what the firmware sent since the last step. */
  deliver(): void {
    const c = this.connection;
    if (!c || c.closed || c.inbox.length === 0) return;
    const lines = c.inbox.splice(0);
    for (const line of lines) for (const listener of c.lineListeners) listener(line);
  }

  /** The host process dies or the phone sleeps: nothing it sends arrives any more. */
  muteHost(): void {
    this.hostMuted = true;
  }

  /** Bytes that reach the firmware as if from the host (noise on the line). */
  injectToFirmware(bytes: Uint8Array): void {
    this.connection?.toFirmware.write(bytes);
  }

  close(): void {
    if (this.connection) this.drop(this.connection);
  }

  private drop(c: Connection): void {
    if (c.closed) return;
    c.closed = true;
    c.server.close();
    if (this.connection === c) this.connection = null;
    for (const listener of c.closeListeners) listener("the simulated link closed");
  }
}
