/**
 * The one-command board path end to end, in real time, as separate processes:
 * `cuff virtual-board`, then `cuff session --board <its path>` with a 1 min
 * continuous hold to its summary line, then a second session interrupted with
 * SIGINT (exit 130, vented, no stack trace, no process left behind).
 *
 *   npx tsx bench/board-session.ts      (about 2 min; needs socat)
 *
 * Real time on a shared machine: the board's samples must keep coming every 10 ms,
 * so on a machine loaded far beyond its cores the firmware may rightly fault
 * sensor-stale; the script then says so rather than pass.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CUFF = fileURLToPath(new URL("../bin/cuff.js", import.meta.url));
const SESSION_ARGS = ["--limb", "arm", "--target", "50%", "--lop", "180", "--mode", "continuous", "--minutes", "1", "--screened", "--json"];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
}

function cuff(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<Run> } {
  const started = performance.now();
  const child = spawn(process.execPath, [CUFF, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr, wallSeconds: (performance.now() - started) / 1000 })));
  return { child, done };
}

function childrenOf(pid: number): string[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

function commandOf(pid: string): string {
  try {
    return execFileSync("ps", ["-o", "comm=", "-p", pid], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

function lastJson(stdout: string): Record<string, unknown> | null {
  const line = stdout.trim().split("\n").at(-1);
  try {
    return line ? (JSON.parse(line) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const profileDir = mkdtempSync(join(tmpdir(), "cuff-board-session-"));
  const env = { ...process.env, CUFF_PROFILE_DIR: profileDir };
  const failures: string[] = [];
  const board = cuff(["virtual-board"], env);
  const path = await new Promise<string>((resolve, reject) => {
    board.child.stdout!.once("data", (d: Buffer) => resolve(d.toString().split("\n")[0]!));
    void board.done.then((r) => reject(new Error(`cuff virtual-board exited ${r.code}: ${r.stderr.trim()}`)));
  });
  console.log(`virtual board on ${path} (load average ${loadavg()[0]!.toFixed(1)} on this machine)`);

  const full = await cuff(["session", "--board", path, ...SESSION_ARGS], env).done;
  const summary = lastJson(full.stdout);
  console.log(`session --board ${path} ${SESSION_ARGS.join(" ")}`);
  console.log(`  exit ${full.code} after ${full.wallSeconds.toFixed(1)} s; last line: ${JSON.stringify(summary)?.slice(0, 300)}`);
  if (full.code !== 0 || summary?.type !== "summary" || summary.outcome !== "completed") failures.push(`the 1 min session did not complete (exit ${full.code}): ${full.stderr.trim()}`);

  const interrupted = cuff(["session", "--board", path, ...SESSION_ARGS], env);
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  const pid = interrupted.child.pid!;
  interrupted.child.kill("SIGINT");
  const stopped = await interrupted.done;
  const stoppedSummary = lastJson(stopped.stdout);
  const left = childrenOf(pid);
  console.log(`SIGINT after 20 s: exit ${stopped.code}, ${JSON.stringify(stoppedSummary)?.slice(0, 300)}`);
  console.log(`  stderr: ${JSON.stringify(stopped.stderr)}; processes left: ${left.length}`);
  if (stopped.code !== 130) failures.push(`SIGINT: exit ${stopped.code}, not 130`);
  if (stoppedSummary?.vented !== true || stoppedSummary.outcome !== "stopped") failures.push("SIGINT: the summary does not say vented and stopped");
  if (/\n\s+at /.test(stopped.stderr)) failures.push("SIGINT: a stack trace on stderr");
  if (left.length) failures.push(`SIGINT: ${left.length} child process(es) left`);

  const boardPid = board.child.pid!;
  // The board's own children: its socat (tsx's esbuild service, in the repository, is the runner's).
  const boardChildren = childrenOf(boardPid).filter((child) => commandOf(child) === "socat");
  board.child.kill("SIGINT");
  const boardEnd = await board.done;
  const boardLeft = boardChildren.filter((p) => {
    try {
      process.kill(Number(p), 0);
      return true;
    } catch {
      return false;
    }
  });
  console.log(`virtual board stopped with SIGINT: exit ${boardEnd.code}, its socat ${boardLeft.length ? "still running" : "gone"}`);
  if (boardEnd.code !== 0 || boardLeft.length) failures.push("the virtual board did not stop cleanly");
  rmSync(profileDir, { recursive: true, force: true });
  for (const f of failures) console.log(`FAILED: ${f}`);
  console.log(failures.length ? `${failures.length} check(s) failed` : "all checks passed");
  return failures.length ? 1 : 0;
}

process.exitCode = await main();
