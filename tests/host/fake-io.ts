/** A CliIo that captures what a command writes, with a scripted stdin and a Ctrl-C button. */
import { PassThrough, Writable } from "node:stream";
import type { CliIo } from "../../host/cli/io.ts";

export class Capture extends Writable {
  text = "";
  isTTY?: boolean;
  columns?: number;
  constructor(tty = false, columns = 80) {
    super();
    if (tty) {
      this.isTTY = true;
      this.columns = columns;
    }
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString("utf8");
    callback();
  }
  lines(): string[] {
    return this.text.split("\n").filter((l) => l.length > 0);
  }
}

export interface FakeIo extends CliIo {
  out: Capture;
  err: Capture;
  input: PassThrough & { isTTY?: boolean };
  /** Press Ctrl-C: runs the registered interrupt handlers. */
  interrupt(): void;
  handlers: Set<() => unknown>;
}

export function fakeIo(options: { tty?: boolean; stdinTty?: boolean; stdin?: string; env?: NodeJS.ProcessEnv } = {}): FakeIo {
  const out = new Capture(options.tty);
  const err = new Capture();
  const input = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.stdinTty) input.isTTY = true;
  if (options.stdin !== undefined) input.end(options.stdin);
  const handlers = new Set<() => unknown>();
  return {
    stdout: out,
    stderr: err,
    stdin: input,
    env: { ...(options.env ?? {}) },
    out,
    err,
    input,
    handlers,
    onInterrupt(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    interrupt() {
      for (const h of [...handlers]) void h();
    },
  };
}
