/**
 * The cuff app in a real browser, for the browser tests, the screenshots and the
 * app bench: Debian's chromium driven by playwright-core (Playwright's own
 * browser download does not work here; the Debian package does), and
 * `cuff app` run as a user runs it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Flags for a headless run on a machine without a GPU, network or sandbox. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A fresh browser: playwright-core gives each launch a new temporary --user-data-dir. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

export const PHONE = { width: 390, height: 844 };
export const LAPTOP = { width: 1280, height: 800 };

export interface RunningApp {
  url: string;
  folder: string;
  stderr(): string;
  /** SIGINT, as Ctrl-C: resolves with the exit code. */
  stop(): Promise<number | null>;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/** A `cuff` command run until its first stdout line; stop() sends SIGINT and resolves with the exit code. */
export interface RunningCommand {
  firstLine: string;
  stderr(): string;
  stop(): Promise<number | null>;
}

export async function startCommand(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningCommand> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, "bin/cuff.js"), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const firstLine = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += String(chunk);
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    void exited.then((code) => reject(new Error(`cuff ${args[0]} exited (${code}) before its first line: ${stderr}`)));
  });
  return {
    firstLine,
    stderr: () => stderr,
    async stop() {
      child.kill("SIGINT");
      return exited;
    },
  };
}

/** `cuff app ARGS` with a fresh profile folder; resolves once its first stdout line (the URL) is out. */
export async function startApp(args: string[], scenario?: Record<string, unknown>): Promise<RunningApp> {
  const folder = mkdtempSync(join(tmpdir(), "cuff-app-test-"));
  const scenarioArgs: string[] = [];
  if (scenario) {
    const path = join(folder, "scenario.json");
    writeFileSync(path, JSON.stringify(scenario));
    scenarioArgs.push("--scenario", path);
  }
  const command = await startCommand(["app", ...args, ...scenarioArgs], { CUFF_PROFILE_DIR: join(folder, "profile") });
  const url = command.firstLine;
  return {
    url,
    folder,
    stderr: command.stderr,
    async stop() {
      const code = await command.stop();
      rmSync(folder, { recursive: true, force: true });
      return code;
    },
  };
}
