import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseDecimal } from "../../shared/decimal.ts";
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

/**
 * parseArgs with our exit-code rules: any mistake becomes a UsageError. A
 * negative number after an option is its value ("--rest -1" reaches the range
 * check), and an empty value is refused rather than read as 0.
 */
export function parseOptions<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\.$/, "").split("\n")[0] + "; see --help");
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    const texts = Array.isArray(value) ? value : [value];
    if (texts.some((text) => typeof text === "string" && text.trim() === "")) throw new UsageError(`--${name} needs a value; it was given an empty one`);
  }
  return parsed;
}

const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/** "--rest -1" becomes "--rest=-1": parseArgs would take "-1" for an option of its own. */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (next !== undefined && NEGATIVE_NUMBER.test(next) && takesValue(arg, options)) {
      out.push(arg.startsWith("--") ? `${arg}=${next}` : `${arg}${next}`);
      i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

function takesValue(arg: string, options: Options): boolean {
  if (arg.startsWith("--")) return options[arg.slice(2)]?.type === "string";
  if (/^-[^-]$/.test(arg)) return Object.values(options).some((o) => o.short === arg.slice(1) && o.type === "string");
  return false;
}

/** A decimal option within [min, max]; one sentence with the range otherwise. */
export function parseNumberOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = parseDecimal(text);
  if (value === null || value < min || value > max) {
    throw new UsageError(`--${name} must be a decimal number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}
