/**
 * One open connection to a cuff, as the client sees it: frames out, lines in,
 * and word when it dies. A serial port, a pty, an in-process pipe or a browser's
 * WebSocket each give one; the client never knows which.
 */
export interface LinkPort {
  /** Send one frame (a line ending in a newline). Dropped if the port is closed. */
  write(frame: string): void;
  /** Every received line, without its newline. */
  onLine(listener: (line: string) => void): void;
  /** Called once when the port dies or closes, with why when known. */
  onClose(listener: (reason?: string) => void): void;
  /** Close the port; resolves once it is closed. */
  close(): Promise<void>;
}

/** Opens a fresh port on each call (once per connect and reconnect). */
export type Connector = () => Promise<LinkPort>;
