import { parseArgs, type ParseArgsConfig } from "node:util";
import type { CliIo } from "./io.ts";
import { UsageError } from "./errors.ts";

export interface Command {
  name: string;
  summary: string;
  /** Full help text shown by `cuff NAME --help`. */
  help: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with our exit-code rules: any mistake becomes a UsageError. */
export function parseOptions<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\.$/, "").split("\n")[0] + "; see --help");
  }
}

export function parseNumberOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}
