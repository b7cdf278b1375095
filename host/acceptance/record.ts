/**
 * The bench acceptance record (hardware/CALIBRATION.md): one JSON file per run,
 * every step with its limit, what was measured, the verdict and when.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { describeFileError } from "../../shared/files.ts";
import { FileWriteError } from "../record/line-file.ts";
import { writeFileWhole } from "../record/whole-file.ts";

/** The limits of hardware/CALIBRATION.md (those of automated blood-pressure cuffs). */
export const ACCEPTANCE_LIMITS = {
  zeroMeanMmhg: 0.5,
  zeroSdMmhg: 0.3,
  /** The second sensor's 10-bit steps (0.41 mmHg) add to its spread. */
  zeroSecondarySdMmhg: 0.6,
  spanErrorMmhg: 3,
  /** The two sensors at each span point, whatever the gauge says: hardware/README.md's error budget takes 3 mmHg from here. */
  sensorAgreementMmhg: 3,
  leakMmhgPerMin: 10,
  reliefMinMmhg: 300,
  reliefMaxMmhg: 330,
  deflateFromMmhg: 260,
  deflateToMmhg: 15,
  deflateSeconds: 10,
  deflateAimSeconds: 5,
  guardHoldMmhg: 150,
  guardVentedSeconds: 10,
} as const;

/** pass/fail: judged against the limit; skipped: nobody at the bench to do it; manual: done by hand, not by this program. */
export const VerdictSchema = z.enum(["pass", "fail", "skipped", "manual"]);
export type Verdict = z.infer<typeof VerdictSchema>;

export const StepResultSchema = z.strictObject({
  name: z.string().min(1),
  limit: z.string().min(1),
  measured: z.number().nullable(),
  unit: z.string(),
  verdict: VerdictSchema,
  /** One sentence: the readings behind the figure, or why the step was not run. */
  detail: z.string(),
  /** Wall-clock time the step ended (ISO 8601). */
  at: z.iso.datetime(),
});
export type StepResult = z.infer<typeof StepResultSchema>;

export const AcceptanceRecordSchema = z.strictObject({
  type: z.literal("acceptance"),
  software: z.string(),
  /** The port, or "sim:<scenario name>". */
  source: z.string(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  /** Every step passed or was done by hand (manual); skipped steps are allowed only with --skip-manual. */
  ok: z.boolean(),
  steps: z.array(StepResultSchema),
});
export type AcceptanceRecord = z.infer<typeof AcceptanceRecordSchema>;

/** Written whole or not at all; a FileWriteError names the file and says why. */
export function writeAcceptanceRecord(path: string, record: AcceptanceRecord): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new FileWriteError(path, describeFileError(error), "acceptance record");
  }
  writeFileWhole(path, JSON.stringify(AcceptanceRecordSchema.parse(record), null, 2) + "\n", "acceptance record");
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function standardDeviation(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length);
}
