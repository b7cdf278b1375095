/**
 * One session driven from the host: check the cuff is free, zero, start the
 * plan (the firmware runs it: LOP, inflate, sets, rests, deflate), follow it to
 * the summary, and make sure it ends vented. The plan lives on the firmware, so
 * a host that dies mid-set leaves a cuff that still ends safely.
 */
import { filter, map, merge } from "rxjs";
import type { Clock } from "../../shared/clock.ts";
import { DEFAULT_RESTRICTION_CAP_SECONDS, DEFLATED_MMHG } from "../../shared/limits.ts";
import type { Limb, Plan } from "../../shared/plan.ts";
import type { LopResultMessage, SessionSummary } from "../../shared/protocol/index.ts";
import type { CuffClient } from "../client/client.ts";
import { CuffLinkError } from "../client/errors.ts";
import { abortable, waitFor } from "./wait.ts";

export class SessionError extends CuffLinkError {
  override name = "SessionError";
}

const ZERO_SECONDS = 25;
/** LOP measurement, inflation and the longest plan fit well inside the firmware's 20 min cap. */
const SESSION_LIMIT_SECONDS = 1500;
const VENT_SECONDS = 20;

/** Refuse to start over something the cuff is already doing. */
export async function checkIdle(client: CuffClient): Promise<void> {
  const status = client.lastStatus ?? (await client.status());
  if (status.state === "fault") {
    const alarms = status.activeAlarms.length ? ` (${status.activeAlarms.join(", ")})` : "";
    throw new SessionError(`the cuff has a latched fault${alarms}; check the cuff and hose, then run "cuff deflate --ack-fault"`);
  }
  if (status.state !== "vented") {
    throw new SessionError(`the cuff is busy (${status.state}, phase ${status.phase}); run "cuff deflate" to end what it is doing`);
  }
}

export async function zeroCuff(client: CuffClient, clock: Clock, signal?: AbortSignal): Promise<void> {
  const done = waitFor(
    client,
    client.events$,
    (e) => e.type === "state" && e.from === "zeroing",
    clock,
    ZERO_SECONDS,
    "zeroing",
    signal,
  );
  done.catch(() => undefined);
  await abortable(client.zero(), signal);
  const event = await done;
  if (event.type === "state" && event.to !== "vented") {
    throw new SessionError(`zeroing ended in ${event.to}: ${event.reason}`);
  }
  if (event.type === "state" && event.cause === "zero-failed") throw new SessionError(event.reason);
}

export interface RunSessionOptions {
  client: CuffClient;
  clock: Clock;
  limb: Limb;
  plan: Plan;
  /** What the cuff does if this host goes quiet mid-session (default: the firmware's, vent after 2 s). */
  hostSilence?: { policy: "vent" | "continue"; timeoutSeconds: number };
  signal?: AbortSignal;
}

/** Runs to the firmware's summary. Throws SessionError, CuffLinkError or InterruptedError. */
export async function runSession(o: RunSessionOptions): Promise<SessionSummary> {
  const { client, clock, signal } = o;
  await checkIdle(client);
  // A plan that needs more restriction time than the firmware's default cap (a long continuous
  // hold) raises the cap for itself; the firmware still never goes past its absolute maximum.
  const cap = o.plan.caps?.restrictionSeconds;
  const raiseCap = cap !== undefined && cap > DEFAULT_RESTRICTION_CAP_SECONDS ? { restrictionCapSeconds: cap } : {};
  if (o.hostSilence || "restrictionCapSeconds" in raiseCap) {
    await abortable(client.command({ type: "configure", cuff: 0, ...(o.hostSilence ? { hostSilence: o.hostSilence } : {}), ...raiseCap }), signal);
  }
  await zeroCuff(client, clock, signal);
  // the summary arrives as an event, or, if the session ended while the link was
  // down, in the status fetched after reconnecting
  let started = false;
  const ended = merge(
    client.events$.pipe(
      filter((e) => e.type === "summary"),
      map((e) => (e.type === "summary" ? e.summary : null)),
    ),
    client.status$.pipe(
      filter((s) => started && (s.state === "vented" || s.state === "fault") && s.lastSummary !== null),
      map((s) => s.lastSummary),
    ),
  );
  const summary = waitFor(client, ended, (s) => s !== null, clock, SESSION_LIMIT_SECONDS, "the end of the session", signal);
  summary.catch(() => undefined);
  await abortable(client.startSession(o.limb, o.plan), signal);
  started = true;
  const result = (await summary)!;
  await waitVented(client, clock, signal);
  return result;
}

/** Measure LOP on its own (cuff lop). */
export async function measureLop(client: CuffClient, clock: Clock, limb: Limb, signal?: AbortSignal): Promise<LopResultMessage> {
  await checkIdle(client);
  await zeroCuff(client, clock, signal);
  const result = waitFor(client, client.events$, (e) => e.type === "lop-result", clock, 180, "the LOP measurement", signal);
  result.catch(() => undefined);
  await abortable(client.measureLop(limb), signal);
  const event = (await result) as LopResultMessage;
  await waitVented(client, clock, signal);
  return event;
}

/**
 * Wait until the firmware reports its safe state: vented (below 15 mmHg), or a
 * latched fault (pump off, vent open by definition, whatever a failed sensor reads).
 */
export async function waitVented(client: CuffClient, clock: Clock, signal?: AbortSignal): Promise<number> {
  const t = await waitFor(
    client,
    client.telemetry$,
    (m) => m.state === "vented" || (m.state === "fault" && m.pump === 0),
    clock,
    VENT_SECONDS,
    "venting the cuff",
    signal,
  );
  return t.mmhg;
}

/**
 * Vent now, from any state, and wait until it is vented. Used on Ctrl-C and on
 * every error path; never throws (the firmware's own host-silence policy is the
 * fallback when the link is gone).
 */
export async function deflateNow(client: CuffClient, clock: Clock): Promise<{ ok: boolean; detail: string; mmhg: number | null }> {
  if (!client.connected && client.failure) return { ok: false, detail: client.failure.message, mmhg: null };
  try {
    await client.deflate();
    const mmhg = await waitVented(client, clock);
    if (client.state === "fault" && mmhg >= DEFLATED_MMHG) {
      return { ok: true, mmhg, detail: `in its fault state with the vent open, but the sensor still reads ${Math.round(mmhg)} mmHg: check that the cuff has gone soft` };
    }
    return { ok: true, mmhg, detail: `vented (${Math.max(0, Math.round(mmhg))} mmHg)` };
  } catch (error) {
    return { ok: false, detail: (error as Error).message, mmhg: null };
  }
}
