/**
 * The architecture as data: which folder belongs to which layer, and what each
 * layer may import. Layers lean only on the ones below them:
 *
 *   shared <- hardware facts <- core <- adapters <- sim <- cli <- bench
 *                                host library ----^
 *
 * core is the controller, safety, LOP and reps (pure, time as a parameter);
 * adapters put it on real I/O (board drivers, the link server, the runtime and
 * its factory); the host library speaks the cuff link and knows nothing of the
 * firmware; sim is everything simulated; cli is the one command line; tools
 * (scripts/) are the developer's generators.
 */
import { dirname, normalize, join } from "node:path";

export type Layer = "shared" | "hardware" | "core" | "adapters" | "host" | "sim" | "cli" | "bench" | "tools" | "tests";

/** First match wins: more specific folders come first. */
const LAYER_OF: readonly [prefix: string, layer: Layer][] = [
  ["shared/", "shared"],
  ["hardware/sim/", "sim"],
  ["hardware/", "hardware"],
  ["firmware/core/", "core"],
  ["firmware/", "adapters"],
  ["host/cli/", "cli"],
  ["host/", "host"],
  ["bench/", "bench"],
  ["scripts/", "tools"],
  ["tests/", "tests"],
];

const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  shared: ["shared"],
  hardware: ["shared", "hardware"],
  core: ["shared", "hardware", "core"],
  adapters: ["shared", "hardware", "core", "adapters"],
  host: ["shared", "host"],
  sim: ["shared", "hardware", "core", "adapters", "host", "sim"],
  cli: ["shared", "hardware", "core", "adapters", "host", "sim", "cli"],
  bench: ["shared", "hardware", "core", "adapters", "host", "sim", "cli", "bench"],
  tools: ["shared", "hardware", "core", "adapters", "host", "sim", "cli", "bench", "tools"],
  tests: ["shared", "hardware", "core", "adapters", "host", "sim", "cli", "bench", "tools", "tests"],
};

/** Packages a layer may use besides its own folders: shared and core stay pure and portable. */
const PACKAGES: Partial<Record<Layer, readonly string[]>> = {
  shared: ["zod"],
  core: [],
};

export function layerOf(path: string): Layer | null {
  for (const [prefix, layer] of LAYER_OF) if (path.startsWith(prefix)) return layer;
  return null;
}

export interface Violation {
  file: string;
  specifier: string;
  why: string;
}

const IMPORT = /(?:^|[^\w.])(?:import|export)\s*(?:type\s+)?(?:[^"'`;]*?\sfrom\s*)?\(?\s*["']([^"']+)["']/g;

/** Import specifiers of a TypeScript source (static, dynamic and re-exports). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const match of source.matchAll(IMPORT)) out.push(match[1]!);
  return out;
}

/** Every import that crosses a layer boundary the wrong way. Paths are relative to the repository root. */
export function checkImports(files: readonly { path: string; source: string }[]): Violation[] {
  const violations: Violation[] = [];
  for (const { path, source } of files) {
    const from = layerOf(path);
    if (from === null) continue;
    for (const specifier of importsOf(source)) {
      if (specifier.startsWith(".")) {
        const target = normalize(join(dirname(path), specifier));
        const to = layerOf(target);
        if (to === null) {
          violations.push({ file: path, specifier, why: `${target} is outside every layer` });
        } else if (!MAY_IMPORT[from].includes(to)) {
          violations.push({ file: path, specifier, why: `${from} may not import ${to}` });
        }
        continue;
      }
      const allowed = PACKAGES[from];
      const name = specifier.startsWith("node:") ? "node:" : specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
      if (allowed && !allowed.includes(name)) violations.push({ file: path, specifier, why: `${from} stays free of ${name}` });
    }
  }
  return violations;
}
