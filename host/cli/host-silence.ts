/** Options `cuff firmware` and `cuff bench` share. */
import { UsageError } from "./errors.ts";

/** --host-silence vent|continue; undefined when not given. */
export function parseHostSilencePolicy(text: string | undefined): "vent" | "continue" | undefined {
  if (text === undefined || text === "vent" || text === "continue") return text;
  throw new UsageError(`--host-silence must be "vent" or "continue", got "${text}"`);
}
