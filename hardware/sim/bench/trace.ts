/** The bench trace CSV of CONTRACTS.md section 4: one row per 10 ms of simulated time. */
import { createWriteStream, type WriteStream } from "node:fs";
import type { TraceRow } from "./run-scenario.ts";

export const TRACE_HEADER = "t,cuff_mmhg,sensor_mmhg,target_mmhg,pump,vent,state,phase";

export function traceLine(row: TraceRow): string {
  const num = (value: number | null, digits: number) => (value === null || !Number.isFinite(value) ? "" : value.toFixed(digits));
  return `${row.t.toFixed(2)},${num(row.cuffMmhg, 2)},${num(row.sensorMmhg, 2)},${num(row.targetMmhg, 2)},${num(row.pump, 3)},${num(row.vent, 3)},${row.state},${row.phase}`;
}

/** Buffers rows and writes them in large chunks so tracing barely slows the bench. */
export class TraceWriter {
  private readonly stream: WriteStream;
  private pending: string[] = [];

  constructor(path: string) {
    this.stream = createWriteStream(path, { encoding: "utf8" });
    this.pending.push(TRACE_HEADER);
  }

  write(row: TraceRow): void {
    this.pending.push(traceLine(row));
    if (this.pending.length >= 2000) this.flush();
  }

  async close(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once("error", reject);
      this.stream.end(resolve);
    });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.stream.write(this.pending.join("\n") + "\n");
    this.pending = [];
  }
}
