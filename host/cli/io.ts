/** What a command may touch of the outside world, so tests can give it fakes. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Registers cleanup that must run on Ctrl-C before the process exits. */
  onInterrupt(handler: () => Promise<void> | void): () => void;
}

/** Ctrl-C this many times while cleanup runs and the program quits without waiting for it. */
const FORCE_QUIT_PRESSES = 3;

export function processIo(): CliIo {
  let presses = 0;
  const handlers = new Set<() => Promise<void> | void>();
  // the reader went away (`cuff monitor --json | head`): stop as on Ctrl-C, cuff vented first, no crash
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
    for (const handler of [...handlers]) void handler();
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    onInterrupt(handler) {
      const listener = () => {
        presses++;
        if (presses >= FORCE_QUIT_PRESSES) {
          process.stderr.write("quitting without confirmation; the cuff vents by itself 2 s after it stops hearing from this program\n");
          process.exit(130);
        }
        if (presses === FORCE_QUIT_PRESSES - 1) process.stderr.write("venting the cuff... (Ctrl-C once more to quit without waiting)\n");
        // the command decides its exit code (130 where its help says so)
        void Promise.resolve(handler()).catch((error: Error) => process.stderr.write(`cleanup after Ctrl-C failed: ${error.message}\n`));
      };
      process.on("SIGINT", listener);
      process.on("SIGTERM", listener);
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
        process.off("SIGINT", listener);
        process.off("SIGTERM", listener);
      };
    },
  };
}
