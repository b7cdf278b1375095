/** The bench trace CSV of CONTRACTS.md section 4: one row per 10 ms of simulated time. */
import { type FileWriteError, LineFile, type LineFileFs } from "../../../host/record/line-file.ts";
import type { TraceRow } from "./run-scenario.ts";

export const TRACE_HEADER = "t,cuff_mmhg,sensor_mmhg,target_mmhg,pump,vent,state,phase";

export function traceLine(row: TraceRow): string {
  const num = (value: number | null, digits: number) => (value === null || !Number.isFinite(value) ? "" : value.toFixed(digits));
  return `${row.t.toFixed(2)},${num(row.cuffMmhg, 2)},${num(row.sensorMmhg, 2)},${num(row.targetMmhg, 2)},${num(row.pump, 3)},${num(row.vent, 3)},${row.state},${row.phase}`;
}

const ROWS_PER_WRITE = 2000;

/**
 * Buffers rows and writes them in large chunks so tracing barely slows the
 * bench. A trace that cannot be written (a full disk) keeps its whole rows,
 * stops, and calls onFailure once; the run goes on.
 */
export class TraceWriter {
  private readonly file: LineFile;
  private pending: string[] = [];
  /** Simulated time of the last row on disk. */
  private keptUpToSeconds: number | null = null;

  /** Throws a FileWriteError naming the file when it cannot be created. */
  constructor(
    path: string,
    private readonly onFailure: (failure: FileWriteError, keptUpToSeconds: number | null) => void = () => {},
    fs?: LineFileFs,
  ) {
    this.file = new LineFile(path, "trace", fs);
    this.pending.push(TRACE_HEADER);
  }

  get failure(): FileWriteError | null {
    return this.file.failure;
  }

  write(row: TraceRow): void {
    if (this.file.failure) return;
    this.pending.push(traceLine(row));
    if (this.pending.length >= ROWS_PER_WRITE) this.flush(row.t);
  }

  close(): void {
    this.flush(null);
    this.file.close();
  }

  private flush(t: number | null): void {
    if (this.pending.length === 0 || this.file.failure) return;
    const ok = this.file.append(this.pending.join("\n") + "\n");
    this.pending = [];
    if (ok) this.keptUpToSeconds = t ?? this.keptUpToSeconds;
    else this.onFailure(this.file.failure!, this.keptUpToSeconds);
  }
}
