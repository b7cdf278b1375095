/**
 * Every example in every command's --help runs, against the simulated cuff: a real board
 * or port becomes --sim, the simulated cuff runs at full speed, and commands that run until
 * Ctrl-C are interrupted once they are up. Examples share one folder, in help order, so a
 * recording one example writes is there for the next (cuff plot run.jsonl).
 */
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingToolchain } from "../../hardware/sim/mcu/toolchain.ts";
import { socatAvailable } from "../../hardware/sim/pty.ts";
import { main } from "../../host/cli/main.ts";
import { COMMANDS } from "../../host/cli/registry.ts";
import { fakeIo, type FakeIo } from "./fake-io.ts";

/** "cuff a --b "c d" > out" -> words, and the file stdout goes to. */
function parse(line: string): { args: string[]; stdoutTo: string | null } {
  const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  const redirect = words.indexOf(">");
  const stdoutTo = redirect >= 0 ? words[redirect + 1]! : null;
  const args = (redirect >= 0 ? words.slice(0, redirect) : words).slice(1);
  return { args, stdoutTo };
}

const SIM_SPEED_COMMANDS = new Set(["demo", "session", "lop", "deflate", "monitor", "acceptance"]);
/** Commands that run until Ctrl-C once started. */
const UNTIL_INTERRUPTED = new Set(["firmware", "virtual-board", "app"]);

/** The same example on the simulated cuff, at full speed. */
function onSimulatedCuff(args: string[]): string[] {
  const [command, ...rest] = args;
  const out: string[] = [command!];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (command === "firmware" && word === "--board") {
      out.push("--board", "sim");
      i++;
    } else if (command === "firmware" && word === "--link") {
      out.push("--link", "pty");
      i++;
    } else if (word === "--board" || word === "--port") {
      out.push("--sim");
      i++;
    } else if (word === "--speed" || word === "--baud" || (command === "app" && word === "--listen")) {
      i++;
    } else {
      out.push(word);
    }
  }
  if (SIM_SPEED_COMMANDS.has(command!) && out.includes("--sim") || command === "demo") out.push("--speed", "max");
  if (command === "monitor" && !out.includes("--seconds")) out.push("--seconds", "1");
  // the app on any free port of this computer only
  if (command === "app") out.push("--listen", "127.0.0.1:0");
  return out;
}

/** Every example line of every command's help, in the order the commands are listed. */
async function examples(): Promise<{ command: string; line: string }[]> {
  const out: { command: string; line: string }[] = [];
  for (const entry of COMMANDS) {
    const help = (await entry.load()).help;
    const block = /\nExamples?:\n((?: {2}.*\n?)+)/.exec(help);
    expect(block, `cuff ${entry.name} --help has examples`).not.toBeNull();
    for (const raw of block![1]!.split("\n")) {
      const line = raw.replace(/\s+#.*$/, "").trim();
      if (line.startsWith("cuff ")) out.push({ command: entry.name, line });
    }
  }
  return out;
}

async function runUntilUp(args: string[], io: FakeIo): Promise<number> {
  const running = main(args, io);
  const started = Date.now();
  while (!io.out.text.includes("\n") && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 50));
  expect(io.out.text, `${args.join(" ")} printed its path or address`).toMatch(/^(\/dev\/pts\/\d+|http:\/\/127\.0\.0\.1:\d+\/)\n/);
  io.interrupt();
  return running;
}

let folder = "";
const cwd = process.cwd();
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "cuff-examples-"));
  symlinkSync(resolve("scenarios"), join(folder, "scenarios"));
  process.chdir(folder);
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(folder, { recursive: true, force: true });
});

describe("every example in every --help runs", async () => {
  const all = await examples();
  // the recordings are written before the commands that read them
  const ordered = [...all.filter((e) => !["plot", "history", "export"].includes(e.command)), ...all.filter((e) => ["plot", "history", "export"].includes(e.command))];
  it.each(ordered.map((e) => [e.line, e] as const))("%s", async (_line, example) => {
    for (const step of example.line.split(" && ")) {
      const { args, stdoutTo } = parse(step);
      const sim = onSimulatedCuff(args);
      const command = sim[0]!;
      const needsPty = (UNTIL_INTERRUPTED.has(command) && command !== "app") || sim.includes("pty");
      if (needsPty && !socatAvailable()) return;
      if (sim.includes("--mcu") && missingToolchain().length > 0 && process.env.CI !== "true") return;
      const io = fakeIo({ env: { CUFF_PROFILE_DIR: folder, CUFF_DATA_DIR: folder } });
      const code = UNTIL_INTERRUPTED.has(command) ? await runUntilUp(sim, io) : await main(sim, io);
      expect(code, `cuff ${sim.join(" ")}: ${io.err.text}`).toBe(0);
      if (stdoutTo) await writeFile(stdoutTo, io.out.text);
    }
  }, 120_000);
});
