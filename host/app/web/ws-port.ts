/**
 * A LinkPort over a browser WebSocket: one cuff link frame per message each
 * way. The page's CuffClient runs on it exactly as the command line's runs on
 * a serial port.
 */
import type { Connector, LinkPort } from "../../client/port.ts";

/** Why a WebSocket closed, in words (RFC 6455 close codes the cuff app uses). */
function closeReason(event: CloseEvent): string {
  if (event.reason) return event.reason;
  if (event.code === 1006) return "the connection to the cuff app dropped";
  return `the cuff app closed the connection (code ${event.code})`;
}

/** Opens a fresh WebSocket to `url` on each connect; resolves once it is open. */
export function webSocketConnector(url: string): Connector {
  return () =>
    new Promise<LinkPort>((resolve, reject) => {
      const socket = new WebSocket(url);
      const lineListeners: ((line: string) => void)[] = [];
      const closeListeners: ((reason?: string) => void)[] = [];
      let open = false;
      let gone = false;
      const port: LinkPort = {
        write(frame) {
          if (!gone && socket.readyState === WebSocket.OPEN) socket.send(frame);
        },
        onLine(listener) {
          lineListeners.push(listener);
        },
        onClose(listener) {
          closeListeners.push(listener);
        },
        close() {
          gone = true;
          if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
          return new Promise<void>((done) => {
            socket.addEventListener("close", () => done(), { once: true });
            socket.close(1000, "the page closed the link");
          });
        },
      };
      socket.addEventListener("open", () => {
        open = true;
        resolve(port);
      });
      socket.addEventListener("message", (event: MessageEvent) => {
        if (gone || typeof event.data !== "string") return;
        const line = event.data.replace(/\r?\n$/, "");
        for (const listener of lineListeners) listener(line);
      });
      socket.addEventListener("close", (event) => {
        const reason = closeReason(event);
        if (!open) {
          reject(new Error(reason));
          return;
        }
        if (gone) return;
        gone = true;
        for (const listener of closeListeners) listener(reason);
      });
    });
}
