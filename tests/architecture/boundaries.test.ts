import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkImports, importsOf, layerOf } from "./layers.ts";

const root = new URL("../../", import.meta.url).pathname;
const sources = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((path) => path !== "" && layerOf(path) !== null)
  .map((path) => ({ path, source: readFileSync(root + path, "utf8") }));

describe("import boundaries", () => {
  it("no file imports a layer above its own", () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(checkImports(sources)).toEqual([]);
  });

  it("finds static, type-only, dynamic and re-exported imports", () => {
    const source = [
      'import { a } from "./a.ts";',
      'import type { B } from "../b.ts";',
      'export { c } from "./c.ts";',
      'const d = await import("./d.ts");',
      'import "./side-effect.ts";',
      'import {\n  e,\n  f,\n} from "./e.ts";',
    ].join("\n");
    expect(importsOf(source)).toEqual(["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./side-effect.ts", "./e.ts"]);
  });

  it("fails on a core module importing the simulator, a firmware module importing the host, and bench importing tests", () => {
    const bad = [
      { path: "firmware/core/controller.ts", source: 'import { createPlant } from "../../hardware/sim/cuff.ts";' },
      { path: "firmware/runtime.ts", source: 'import { CuffClient } from "../host/client/client.ts";' },
      { path: "bench/lop-bench.ts", source: 'import { runLop } from "../tests/lop/harness.ts";' },
      { path: "shared/plan.ts", source: 'import { Supervisor } from "../firmware/core/safety/supervisor.ts";' },
      { path: "firmware/core/estimator.ts", source: 'import { SerialPort } from "serialport";' },
    ];
    expect(checkImports(bad).map((v) => v.why)).toEqual([
      "core may not import sim",
      "adapters may not import host",
      "bench may not import tests",
      "shared may not import core",
      "core stays free of serialport",
    ]);
  });
});

describe("file size", () => {
  it("no source file in shared/, firmware/ or host/ is over 450 lines: a longer one does more than one job", () => {
    const long = sources
      .filter(({ path }) => /^(shared|firmware|host)\//.test(path))
      .map(({ path, source }) => ({ path, lines: source.split("\n").length - (source.endsWith("\n") ? 1 : 0) }))
      .filter((f) => f.lines > 450);
    expect(long).toEqual([]);
  });
});
