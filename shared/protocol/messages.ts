/**
 * The cuff link message set (docs/formats.md), defined once. Both ends
 * import these schemas; the fingerprint in hello is computed from them.
 */
import { z } from "zod";
import { HARD_CEILING_MMHG, MAX_LOP_MMHG, MAX_RESTRICTION_CAP_SECONDS, MAX_TARGET_PERCENT_LOP, MIN_LOP_MMHG, MIN_TARGET_PERCENT_LOP } from "../limits.ts";
import { LimbSchema, MAX_SETS, PlanSchema, TargetSchema } from "../plan.ts";

/** Protocol major version, carried as "v" in every frame. */
export const PROTOCOL_VERSION = 1;
export const MAX_SEQ = 65535;

export const StateSchema = z.enum(["vented", "zeroing", "lop", "inflating", "regulating", "releasing", "deflating", "fault"]);
export type StateName = z.infer<typeof StateSchema>;

export const PhaseSchema = z.enum(["idle", "zero", "lop", "inflate", "set", "rest", "deflate", "fault"]);
export type Phase = z.infer<typeof PhaseSchema>;

export const AlarmKindSchema = z.enum([
  "overpressure",
  "above-lop-ceiling",
  "deviation",
  "leak",
  "slow-leak",
  "sensor-nan",
  "sensor-out-of-range",
  "sensor-disconnected",
  "sensor-stuck",
  "sensor-slope",
  "sensor-stale",
  "sensor-drift",
  "sensor-disagreement",
  "pump-dead",
  "hose-kink",
  "valve-stuck-closed",
  "cuff-off",
  "target-not-reached",
  "pump-too-small",
  "restriction-cap",
  "host-silent",
  "board-lost",
  "guard-tripped",
  "lop-failed",
  "link-overflow",
  "occlusion",
  "lop-disagreement",
]);
export type AlarmKind = z.infer<typeof AlarmKindSchema>;
export const SeveritySchema = z.enum(["info", "warning", "fault"]);
export type Severity = z.infer<typeof SeveritySchema>;

/** Why the state changed, for programs to branch on (the event's reason says it for people). */
export const StateCauseSchema = z.enum([
  "zero-requested",
  "zeroed",
  "zero-failed",
  "lop-requested",
  "lop-measured",
  "lop-rejected",
  "inflating",
  "set-started",
  "set-done",
  "cycle-done",
  "plan-complete",
  "deflate-requested",
  "aborted",
  "host-silent",
  "restriction-cap",
  "target-refused",
  "fault",
  "fault-acknowledged",
]);
export type StateCause = z.infer<typeof StateCauseSchema>;

/** How a session ended: completed, stopped by the host, or why it ended early. */
export const SessionEndingSchema = z.enum(["completed", "stopped", "aborted", "host-silent", "restriction-cap", "lop-failed", "target-refused", "fault"]);
export type SessionEnding = z.infer<typeof SessionEndingSchema>;

export const ErrorCodeSchema = z.enum(["too-long", "checksum", "framing", "schema", "unknown-type", "refused"]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const NackReasonSchema = z.enum([
  "not-zeroed",
  "busy",
  "bad-state",
  "fault-latched",
  "target-refused",
  "over-cap",
  "no-lop",
  "rest-enforced",
  "no-such-cuff",
  "not-paired",
]);
export type NackReason = z.infer<typeof NackReasonSchema>;

/** Sizes and ranges of the wire format, used by the schemas and by whoever fills a message. */
export const LINK_LIMITS = {
  /** Telemetry and targets carry pressures in this range (a sensor can read outside it; telemetry clamps). */
  minMmhg: -50,
  maxMmhg: 400,
  reasonChars: 200,
  detailChars: 300,
  /** Distinct alarms listed in a session summary: the summary must fit one 1024-byte frame. */
  summaryAlarms: 8,
  activeAlarms: 20,
} as const;

const seq = z.int().min(0).max(MAX_SEQ);
const cuff = z.int().min(0).max(7).default(0);
const mmhg = z.number().min(LINK_LIMITS.minMmhg).max(LINK_LIMITS.maxMmhg);
const reason = z.string().max(LINK_LIMITS.reasonChars);
const detail = z.string().max(LINK_LIMITS.detailChars);
const fingerprint = z.string().regex(/^[0-9a-f]{16}$/);
const nonce = z.string().regex(/^[0-9a-f]{32}$/);
const proof = z.string().regex(/^[0-9a-f]{64}$/);

function message<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.strictObject({ v: z.literal(PROTOCOL_VERSION), seq, type: z.literal(type), ...shape });
}

// ---- host -> firmware -------------------------------------------------------

export const HostHello = message("hello", {
  role: z.literal("host"),
  protocol: z.int(),
  fingerprint,
  software: z.string().max(64),
  /** Random per host process: the firmware forgets replayable replies when it changes. */
  instance: z.string().min(1).max(32),
  /** On a paired link: HMAC-SHA-256(pairing key, "cuff-link-pairing|" + the nonce of the firmware's latest hello + "|" + instance), as hex. */
  proof: proof
    .describe('On a paired link: HMAC-SHA-256 of "cuff-link-pairing|<nonce>|<instance>" under the pairing key, 64 hex digits; the nonce is the one in the firmware\'s latest hello')
    .optional(),
});
export const Heartbeat = message("heartbeat", {});
export const ZeroCommand = message("zero", { cuff });
export const MeasureLopCommand = message("measure-lop", { cuff, limb: LimbSchema.optional() });
export const StartSessionCommand = message("start-session", { cuff, limb: LimbSchema, plan: PlanSchema });
export const SetDoneCommand = message("set-done", { cuff });
export const HoldCommand = message("hold", { cuff, target: TargetSchema });
export const DeflateCommand = message("deflate", { cuff });
export const AbortCommand = message("abort", { cuff });
export const AckFaultCommand = message("ack-fault", { cuff });
export const ConfigureCommand = message("configure", {
  cuff,
  ceilingMmhg: z.number().min(20).max(HARD_CEILING_MMHG).optional(),
  maxPercentLop: z.number().min(MIN_TARGET_PERCENT_LOP).max(MAX_TARGET_PERCENT_LOP).optional(),
  restrictionCapSeconds: z.number().min(10).max(MAX_RESTRICTION_CAP_SECONDS).optional(),
  lopMmhg: z.number().min(MIN_LOP_MMHG).max(MAX_LOP_MMHG).optional(),
  hostSilence: z
    .strictObject({ policy: z.enum(["vent", "continue"]), timeoutSeconds: z.number().min(0.5).max(60) })
    .optional(),
});
export const StatusRequest = message("status-request", { cuff });

export const HostMessageSchemas = [
  HostHello,
  Heartbeat,
  ZeroCommand,
  MeasureLopCommand,
  StartSessionCommand,
  SetDoneCommand,
  HoldCommand,
  DeflateCommand,
  AbortCommand,
  AckFaultCommand,
  ConfigureCommand,
  StatusRequest,
] as const;
export const HostMessageSchema = z.discriminatedUnion("type", HostMessageSchemas);
export type HostMessage = z.infer<typeof HostMessageSchema>;
export type HostMessageInput = z.input<typeof HostMessageSchema>;
export type HostCommandType = Exclude<HostMessage["type"], "hello" | "heartbeat">;

// ---- firmware -> host -------------------------------------------------------

export const FirmwareHello = message("hello", {
  role: z.literal("firmware"),
  protocol: z.int(),
  fingerprint,
  software: z.string().max(64),
  cuffs: z.int().min(1).max(8),
  /** Seconds since firmware start, so a host can tell a restart from a reconnect. */
  uptime: z.number().min(0),
  /** "open": the local user's own link (stdio, a pty), every command admitted; "paired": only a host that proved the pairing key is. */
  link: z
    .enum(["open", "paired"])
    .describe('"open": the local user\'s own link (stdio, a pty); "paired": a host must prove the pairing key in its hello, else it may only read status and deflate')
    .optional(),
  /** On a paired link: the challenge the next host hello's proof is computed over (fresh after each proof accepted). */
  nonce: nonce.describe("On a paired link: the challenge for the host's proof, 32 hex digits, fresh after each accepted proof").optional(),
  /** This host may send every command on this link (always true on an open one). */
  authenticated: z.boolean().describe("The host this hello answers may send every command on this link").optional(),
});
export const Ack = message("ack", { ref: seq });
export const Nack = message("nack", { ref: seq, reason: NackReasonSchema, detail });
export const ErrorReply = message("error", { code: ErrorCodeSchema, ref: seq.nullable(), detail });

export const Telemetry = message("telemetry", {
  cuff,
  t: z.number().min(0),
  mmhg,
  target: mmhg.nullable(),
  state: StateSchema,
  phase: PhaseSchema,
  pump: z.number().min(0).max(1),
  vent: z.number().min(0).max(1),
  /**
   * The second, independent pressure sensor's reading, zeroed and scaled like `mmhg`, on a build
   * with one (absent otherwise): what the firmware compares `mmhg` with, and what the bench
   * acceptance checks against the reference gauge.
   */
  secondaryMmhg: mmhg.nullable().optional(),
  lop: z.number().nullable().optional(),
  set: z.int().min(0).optional(),
  rep: z.int().min(0).optional(),
  /** Seconds left in a rest, cycle release, or continuous hold. */
  remaining: z.number().min(0).optional(),
  /** During a LOP measurement: filling to the ramp's start, ramping (reading the pulsations), or venting to measure again after movement. */
  lopStep: z.enum(["filling", "ramping", "retreating"]).optional(),
  /** On a build with a distal pulse sensor that is sending: the pulse beyond the cuff. */
  distalPulse: z.enum(["present", "fading", "gone", "unreadable"]).optional(),
});

export const StateEvent = message("state", {
  cuff,
  t: z.number(),
  from: StateSchema,
  to: StateSchema,
  phase: PhaseSchema,
  cause: StateCauseSchema,
  reason,
});
export const PhaseEvent = message("phase", {
  cuff,
  t: z.number(),
  phase: PhaseSchema,
  /** 1-based set (or cycle) number for set and rest phases. */
  set: z.int().min(0).optional(),
  /** Planned reps for a set, planned seconds for a rest. */
  reps: z.int().min(0).optional(),
  seconds: z.number().min(0).optional(),
});
export const RepEvent = message("rep", { cuff, t: z.number(), set: z.int().min(1), rep: z.int().min(1) });
export const AlarmEvent = message("alarm", {
  cuff,
  t: z.number(),
  kind: AlarmKindSchema,
  severity: SeveritySchema,
  detail,
});
export const LopResult = message("lop-result", {
  cuff,
  t: z.number(),
  ok: z.boolean(),
  mmhg: z.number().nullable(),
  /** 0..1, how clearly the pulsations vanished. */
  quality: z.number().min(0).max(1),
  reason,
  durationSeconds: z.number().min(0),
});
export const SessionSummarySchema = z.strictObject({
  ok: z.boolean(),
  ending: SessionEndingSchema,
  /** The fault that ended the session, when ending is "fault". */
  fault: AlarmKindSchema.optional(),
  endReason: reason,
  lopMmhg: z.number().nullable(),
  targetMmhg: z.number().nullable(),
  sets: z.array(z.strictObject({ planned: z.int(), reps: z.int(), seconds: z.number() })).max(MAX_SETS),
  restrictionSeconds: z.number(),
  exerciseWithin10: z.number().nullable(),
  restWithin5: z.number().nullable(),
  peakMmhg: z.number().nullable(),
  alarms: z.array(z.strictObject({ t: z.number(), kind: AlarmKindSchema })).max(LINK_LIMITS.summaryAlarms),
});
export type SessionSummary = z.infer<typeof SessionSummarySchema>;
export const SummaryEvent = message("summary", { cuff, t: z.number(), summary: SessionSummarySchema });
export const StatusReply = message("status", {
  ref: seq,
  cuff,
  t: z.number(),
  state: StateSchema,
  phase: PhaseSchema,
  zeroed: z.boolean(),
  lop: z.number().nullable(),
  target: z.number().nullable(),
  limb: LimbSchema.nullable(),
  plan: PlanSchema.nullable(),
  set: z.int().min(0),
  rep: z.int().min(0),
  activeAlarms: z.array(AlarmKindSchema).max(LINK_LIMITS.activeAlarms),
  hostSilence: z.strictObject({ policy: z.enum(["vent", "continue"]), timeoutSeconds: z.number() }),
  lastSummary: SessionSummarySchema.nullable(),
});

export const FirmwareMessageSchemas = [
  FirmwareHello,
  Ack,
  Nack,
  ErrorReply,
  Telemetry,
  StateEvent,
  PhaseEvent,
  RepEvent,
  AlarmEvent,
  LopResult,
  SummaryEvent,
  StatusReply,
] as const;
export const FirmwareMessageSchema = z.discriminatedUnion("type", FirmwareMessageSchemas);
export type FirmwareMessage = z.infer<typeof FirmwareMessageSchema>;

export type TelemetryMessage = z.infer<typeof Telemetry>;
export type AlarmMessage = z.infer<typeof AlarmEvent>;
export type LopResultMessage = z.infer<typeof LopResult>;
export type StatusMessage = z.infer<typeof StatusReply>;

/** A message without its envelope; the sender's link adds v and seq. */
export type Body<M> = M extends unknown ? Omit<M, "v" | "seq"> : never;
export type HostBody = Body<z.input<typeof HostMessageSchema>>;
export type FirmwareBody = Body<z.input<typeof FirmwareMessageSchema>>;
