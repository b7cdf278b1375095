/** What a command may touch of the outside world, so tests can give it fakes. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Registers cleanup that must run before the process exits on Ctrl-C, SIGTERM or SIGHUP (the terminal closed). */
  onInterrupt(handler: () => Promise<void> | void): () => void;
}

/** Ctrl-C this many times while cleanup runs and the program quits without waiting for it. */
const FORCE_QUIT_PRESSES = 3;
/** Each of these stops a command the way Ctrl-C does: the cuff is vented before the program exits. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** A reader or terminal that went away: what a write then fails with. */
const GONE_CODES = new Set(["EPIPE", "ERR_STREAM_DESTROYED", "EIO"]);

export function processIo(): CliIo {
  let presses = 0;
  const handlers = new Set<() => Promise<void> | void>();
  // the reader went away (`cuff monitor --json | head`, a closed terminal): stop as on Ctrl-C, cuff vented first, no crash
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (!GONE_CODES.has(error.code ?? "")) throw error;
    for (const handler of [...handlers]) void handler();
  });
  // A closed terminal fails the messages said while venting; the venting goes on.
  process.stderr.on("error", (error: NodeJS.ErrnoException) => {
    if (!GONE_CODES.has(error.code ?? "")) throw error;
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
      for (const signal of STOP_SIGNALS) process.on(signal, listener);
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
        for (const signal of STOP_SIGNALS) process.off(signal, listener);
      };
    },
  };
}
