/**
 * The second pressure sensor's share of the bench acceptance (hardware/CALIBRATION.md steps 3
 * and 4): its zero, and its span against the reference gauge and against the first sensor. The
 * walk judges it whenever the firmware's telemetry carries the second reading (`secondaryMmhg`).
 */
import { ACCEPTANCE_LIMITS as L, mean, standardDeviation, type StepResult } from "./record.ts";

type Judged = Omit<StepResult, "at">;

const ZERO_LIMIT = `mean within +-${L.zeroMeanMmhg} mmHg of 0, SD at most ${L.zeroSecondarySdMmhg} mmHg`;
const SPAN_LIMIT = `|second sensor - gauge| at most ${L.spanErrorMmhg} mmHg and |second sensor - first sensor| at most ${L.sensorAgreementMmhg} mmHg`;

export const NO_SECOND_READING = "the firmware reports no second sensor reading";

const fixed = (value: number) => (Number(value.toFixed(1)) || 0).toFixed(1);
const signed = (value: number) => `${Number(value.toFixed(1)) >= 0 ? "+" : ""}${fixed(value)}`;
const verdict = (pass: boolean) => (pass ? "pass" : "fail");

/** The vented, zeroed cuff: the second sensor reads 0 like the first. */
export function judgeSecondZero(readings: readonly number[]): Judged {
  const m = mean(readings);
  const sd = standardDeviation(readings);
  const pass = Math.abs(m) <= L.zeroMeanMmhg && sd <= L.zeroSecondarySdMmhg;
  return {
    name: "zero, second sensor",
    limit: ZERO_LIMIT,
    measured: Number(m.toFixed(2)) || 0,
    unit: "mmHg",
    verdict: verdict(pass),
    detail: `mean ${m.toFixed(2)} mmHg, SD ${sd.toFixed(2)} mmHg over ${readings.length} readings`,
  };
}

/** One span point: the second sensor against the gauge, and against the first sensor whatever the gauge says. */
export function judgeSecondSpan(pointName: string, second: number, gauge: number, first: number): Judged {
  const error = second - gauge;
  const apart = second - first;
  const pass = Math.abs(error) <= L.spanErrorMmhg && Math.abs(apart) <= L.sensorAgreementMmhg;
  return {
    name: `${pointName}, second sensor`,
    limit: SPAN_LIMIT,
    measured: Number(error.toFixed(1)) || 0,
    unit: "mmHg",
    verdict: verdict(pass),
    detail: `error ${signed(error)} mmHg: second sensor ${fixed(second)}, gauge ${fixed(gauge)} mmHg; ${signed(apart)} mmHg from the first sensor (${fixed(first)})`,
  };
}
