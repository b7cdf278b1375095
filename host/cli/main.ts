/** Composition root of the `cuff` command line. */
import { readFileSync } from "node:fs";
import { UsageError } from "./errors.ts";
import { type CliIo, processIo } from "./io.ts";
import { COMMANDS } from "./registry.ts";

function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "cuff - an open, pressure-regulated occlusion (BFR) cuff",
    "",
    "Usage: cuff <command> [options]     cuff <command> --help for its options",
    "",
    "Commands:",
    ...lines,
    "",
    "Global options:",
    "  --help      show help (cuff help COMMAND: a command's help)",
    "  --version   print the version",
    "  --verbose   show stack traces on errors",
    "",
    "Exit codes: 0 success, 1 runtime failure, 2 bad usage.",
    "",
  ].join("\n");
}

/** The package's version, from the package.json two folders up (the same in dist/ and the sources). */
export function packageVersion(): string {
  for (const up of ["../../package.json", "../../../package.json"]) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (manifest.name === "open-occlusion-cuff" && manifest.version) return manifest.version;
    } catch {
      // not at this level: dist/ sits one folder deeper than the sources
    }
  }
  return "unknown";
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const verbose = argv.includes("--verbose");
  const args = argv.filter((a) => a !== "--verbose");
  let [name, ...rest] = args;
  if (name === "--version" || name === "-V") {
    io.stdout.write(`cuff ${packageVersion()}\n`);
    return 0;
  }
  if (name === "help" && rest.length > 0) {
    // cuff help CMD is cuff CMD --help
    [name, ...rest] = [rest[0]!, "--help"];
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(topLevelHelp());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`cuff: unknown command "${name}"; run "cuff --help" for the list.\n`);
    return 2;
  }
  try {
    const command = await entry.load();
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout.write(command.help.endsWith("\n") ? command.help : command.help + "\n");
      return 0;
    }
    return await command.run(rest, io);
  } catch (error) {
    const err = error as Error;
    const sentence = err.message.split("\n")[0]!.replace(/\.?$/, ".");
    io.stderr.write(`cuff ${name}: ${sentence}\n`);
    if (verbose && err.stack) io.stderr.write(err.stack + "\n");
    if (error instanceof UsageError) return 2;
    // Our own typed errors already say what is wrong; only an unexpected failure gets the hint.
    const unexpected = err.name === "Error" || err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError;
    if (unexpected && !verbose) io.stderr.write("(run again with --verbose for details)\n");
    return 1;
  }
}
