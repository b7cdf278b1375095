/** A cuff on a serial port by path (USB CDC, UART, Bluetooth SPP, a pty), opened afresh on each (re)connect. */
import { SerialPort } from "serialport";
import { PortOpenError } from "./errors.ts";
import type { Connector } from "./port.ts";
import { streamPort } from "./stream-port.ts";

export const DEFAULT_BAUD = 115200;

function explainOpenFailure(path: string, error: Error): string {
  const text = error.message;
  if (/no such file|ENOENT|cannot find/i.test(text)) {
    return `there is no serial port at ${path}; run "cuff ports" to list the ports this computer has`;
  }
  if (/permission denied|EACCES/i.test(text)) {
    return `permission denied opening ${path}; on Linux add yourself to the "dialout" group (then log in again)`;
  }
  if (/busy|EBUSY|resource temporarily|lock/i.test(text)) {
    return `${path} is in use by another program; close it (another cuff command, a serial monitor) and try again`;
  }
  if (/ENOTTY|inappropriate ioctl/i.test(text)) {
    return `${path} is not a serial port`;
  }
  return `could not open ${path}: ${text.replace(/\.$/, "")}`;
}

/** Opens the serial port at `path` on each call. */
export function serialConnector(path: string, baudRate = DEFAULT_BAUD): Connector {
  return () =>
    new Promise((resolve, reject) => {
      let port: SerialPort;
      try {
        port = new SerialPort({ path, baudRate, autoOpen: false });
      } catch (error) {
        reject(new PortOpenError(explainOpenFailure(path, error as Error)));
        return;
      }
      port.open((error) => {
        if (error) reject(new PortOpenError(explainOpenFailure(path, error)));
        else resolve(streamPort(port));
      });
    });
}
