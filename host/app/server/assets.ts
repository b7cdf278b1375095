/**
 * The page's files: index.html with its config, the script (host/app/web
 * bundled for the browser with the cuff link's schemas, framing and client),
 * the style sheets. The published package carries the script and uPlot's
 * style sheet prebuilt beside the page (scripts/build-package.ts); in the
 * repository esbuild bundles the script from source once per process.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { PageConfig } from "../page-config.ts";

export const WEB_FOLDER = fileURLToPath(new URL("../web/", import.meta.url));
const PREBUILT_SCRIPT = WEB_FOLDER + "app.js";
const PREBUILT_UPLOT_CSS = WEB_FOLDER + "uplot.css";

export interface Asset {
  type: string;
  body: Buffer;
  /** The same, compressed once: a phone on Wi-Fi loads the script in a quarter of the bytes. */
  gzip: Buffer;
}

function asset(type: string, body: Buffer): Asset {
  return { type, body, gzip: gzipSync(body, { level: 9 }) };
}

let bundle: Promise<Buffer> | null = null;

/** Bundle the page's script from its TypeScript sources (esbuild, ES2020, minified). */
export async function bundlePageScript(entry = WEB_FOLDER + "main.ts"): Promise<Buffer> {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: ["es2020"],
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  return Buffer.from(result.outputFiles[0]!.contents);
}

function pageScript(): Promise<Buffer> {
  if (existsSync(PREBUILT_SCRIPT)) return Promise.resolve(readFileSync(PREBUILT_SCRIPT));
  bundle ??= bundlePageScript();
  bundle.catch(() => {
    bundle = null;
  });
  return bundle;
}

/** uPlot's style sheet: beside the page once packaged, in node_modules in the repository. */
export function uplotStyleSheet(): Buffer {
  if (existsSync(PREBUILT_UPLOT_CSS)) return readFileSync(PREBUILT_UPLOT_CSS);
  return readFileSync(createRequire(import.meta.url).resolve("uplot/dist/uPlot.min.css"));
}

/** `<` escaped so a config value can never close the script element it sits in. */
function configJson(config: PageConfig): string {
  return JSON.stringify(config).replace(/</g, "\\u003c");
}

export async function pageAssets(config: PageConfig): Promise<Map<string, Asset>> {
  const html = readFileSync(WEB_FOLDER + "index.html", "utf8").replace("__CONFIG__", configJson(config));
  return new Map<string, Asset>([
    ["/", asset("text/html; charset=utf-8", Buffer.from(html))],
    ["/app.js", asset("text/javascript; charset=utf-8", await pageScript())],
    ["/app.css", asset("text/css; charset=utf-8", readFileSync(WEB_FOLDER + "app.css"))],
    ["/uplot.css", asset("text/css; charset=utf-8", uplotStyleSheet())],
  ]);
}
