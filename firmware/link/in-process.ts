/**
 * The cuff link inside one process: a LinkServer on a running firmware, and a
 * Duplex the host reads and writes as it would a serial port. Used where the
 * controller and the host share a process: `cuff session --board PATH` and the
 * simulated cuff.
 */
import { Duplex } from "node:stream";
import type { FirmwareRuntime } from "../runtime.ts";
import { HostLinkMemory, LinkServer } from "./server.ts";
import { Wire } from "./wire.ts";

export interface InProcessLink {
  /** The host's end of the current cable. */
  readonly hostStream: Duplex;
  /** Pull the cable: the link stops carrying bytes both ways until replug(). */
  unplug(): void;
  /** A fresh cable to the same running firmware; a command resent after it is not run twice. */
  replug(): Duplex;
  /** Ends the current cable; the firmware keeps running (its owner stops it). */
  close(): void;
}

export function serveInProcess(runtime: FirmwareRuntime, pairingKey?: Uint8Array): InProcessLink {
  const memory = new HostLinkMemory();
  let cable: { server: LinkServer; hostStream: Duplex; toFirmware: Wire; fromFirmware: Wire } | null = null;
  const connect = (): Duplex => {
    const toFirmware = new Wire();
    const fromFirmware = new Wire();
    const hostStream = new Duplex({
      read() {},
      write(chunk, _encoding, callback) {
        toFirmware.write(chunk as Buffer);
        callback();
      },
      final(callback) {
        callback();
      },
    });
    fromFirmware.on("data", (chunk) => {
      if (!hostStream.destroyed) hostStream.push(chunk);
    });
    const server = new LinkServer({ runtime, input: toFirmware, output: fromFirmware, memory, ...(pairingKey ? { pairingKey } : {}) });
    cable = { server, hostStream, toFirmware, fromFirmware };
    return hostStream;
  };
  const unplug = () => {
    if (!cable) return;
    cable.toFirmware.cut();
    cable.fromFirmware.cut();
    cable.server.close();
    cable.hostStream.push(null);
    cable.hostStream.destroy();
    cable = null;
  };
  let current = connect();
  return {
    get hostStream() {
      return current;
    },
    unplug,
    replug() {
      unplug();
      current = connect();
      return current;
    },
    close: unplug,
  };
}
