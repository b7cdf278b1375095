/**
 * The page's files: index.html with its config, the script bundled by esbuild
 * from host/app/web (the cuff link's schemas, framing and client included, for
 * the browser), the style sheets. Built once per process, in memory.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { PageConfig } from "../page-config.ts";

const WEB = fileURLToPath(new URL("../web/", import.meta.url));
const require = createRequire(import.meta.url);

export interface Asset {
  type: string;
  body: Buffer;
}

let bundle: Promise<Buffer> | null = null;

/** The page's script: one file, ES2020, minified, with a source map inline only for debugging builds. */
export function pageScript(): Promise<Buffer> {
  bundle ??= build({
    entryPoints: [WEB + "main.ts"],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: ["es2020"],
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  }).then((result) => Buffer.from(result.outputFiles[0]!.contents));
  bundle.catch(() => {
    bundle = null;
  });
  return bundle;
}

/** `<` escaped so a config value can never close the script element it sits in. */
function configJson(config: PageConfig): string {
  return JSON.stringify(config).replace(/</g, "\\u003c");
}

export async function pageAssets(config: PageConfig): Promise<Map<string, Asset>> {
  const html = readFileSync(WEB + "index.html", "utf8").replace("__CONFIG__", configJson(config));
  return new Map<string, Asset>([
    ["/", { type: "text/html; charset=utf-8", body: Buffer.from(html) }],
    ["/app.js", { type: "text/javascript; charset=utf-8", body: await pageScript() }],
    ["/app.css", { type: "text/css; charset=utf-8", body: readFileSync(WEB + "app.css") }],
    ["/uplot.css", { type: "text/css; charset=utf-8", body: readFileSync(require.resolve("uplot/dist/uPlot.min.css")) }],
  ]);
}
