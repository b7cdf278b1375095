/** `cuff app` as a command: its address first, its token, its usage errors, and Ctrl-C. */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseListen } from "../../host/cli/app-options.ts";
import { main } from "../../host/cli/main.ts";
import { fakeIo, type FakeIo } from "../host/fake-io.ts";

let folder: string | null = null;
afterEach(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = null;
});

async function untilAddress(io: FakeIo): Promise<string> {
  const started = Date.now();
  while (!io.out.text.includes("\n") && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 20));
  return io.out.text.split("\n")[0]!;
}

describe("cuff app", () => {
  it("prints the page's address first, serves it, and stops with 0 on Ctrl-C", async () => {
    folder = mkdtempSync(join(tmpdir(), "cuff-app-cmd-"));
    const io = fakeIo({ env: { CUFF_PROFILE_DIR: folder } });
    const running = main(["app", "--sim", "--speed", "20", "--listen", "127.0.0.1:0"], io);
    const url = await untilAddress(io);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('"sim":true');
    io.interrupt();
    expect(await running).toBe(0);
    // on loopback no token is made or kept
    expect(existsSync(join(folder, "app-token"))).toBe(false);
  });

  it("off loopback, keeps one token for its owner only, and prints it in the address", async () => {
    folder = mkdtempSync(join(tmpdir(), "cuff-app-cmd-"));
    const runOnce = async () => {
      const io = fakeIo({ env: { CUFF_PROFILE_DIR: folder! } });
      const running = main(["app", "--sim", "--listen", "0.0.0.0:0"], io);
      const url = await untilAddress(io);
      io.interrupt();
      expect(await running).toBe(0);
      expect(io.err.text).toMatch(/same network/);
      return new URL(url).searchParams.get("token");
    };
    const first = await runOnce();
    const second = await runOnce();
    expect(first).toMatch(/^[\w-]{32,}$/);
    expect(second).toBe(first);
    const kept = join(folder, "app-token");
    expect(readFileSync(kept, "utf8").trim()).toBe(first);
    expect(statSync(kept).mode & 0o077).toBe(0);
  });

  it("refuses a malformed --listen (exit 2) and a taken port (exit 1), each in one sentence", async () => {
    for (const listen of ["8780", "localhost", "127.0.0.1:99999", "127.0.0.1:http"]) {
      const io = fakeIo();
      expect(await main(["app", "--sim", "--listen", listen], io), listen).toBe(2);
      expect(io.err.text).toMatch(/--listen must be HOST:PORT/);
    }
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const io = fakeIo();
      expect(await main(["app", "--sim", "--listen", `127.0.0.1:${port}`], io)).toBe(1);
      expect(io.err.text).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} is taken by another program`));
      expect(io.err.text.trim().split("\n")).toHaveLength(1);
    } finally {
      blocker.close();
    }
    const io = fakeIo();
    expect(await main(["app", "--listen", "127.0.0.1:0"], io)).toBe(2);
    expect(io.err.text).toMatch(/say where the cuff is/);
  });

  it("reads HOST:PORT, IPv6 in brackets", () => {
    expect(parseListen(undefined)).toEqual({ host: "127.0.0.1", port: 8780 });
    expect(parseListen("0.0.0.0:0")).toEqual({ host: "0.0.0.0", port: 0 });
    expect(parseListen("[::1]:9000")).toEqual({ host: "::1", port: 9000 });
  });
});
