/**
 * Questions on the terminal. Lines typed ahead are kept in order (readline's
 * question() drops them), and a closed stdin answers null instead of hanging.
 */
import { createInterface, type Interface } from "node:readline";

export class LineReader {
  private readonly rl: Interface;
  private readonly queued: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private closed = false;

  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
  ) {
    this.rl = createInterface({ input, terminal: false });
    this.rl.on("line", (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(line);
      } else {
        this.queued.push(line);
      }
    });
    this.rl.on("close", () => {
      this.closed = true;
      const w = this.waiting;
      this.waiting = null;
      w?.(null);
    });
  }

  /** The next line typed after `prompt`, or null when stdin has ended. */
  ask(prompt: string): Promise<string | null> {
    this.output.write(prompt);
    const line = this.queued.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  close(): void {
    this.rl.close();
  }
}
