/**
 * What `npm pack` ships: the TypeScript compiled to JavaScript in dist/, beside the
 * data files the code reads at run time (profiles, schemas, scenarios, the board's
 * sketch sources for `cuff virtual-board --mcu`), in the repository's layout so
 * every path the code builds from its own location holds. Users then need no
 * TypeScript runtime, and nothing is compiled when they install.
 *
 *   npx tsx scripts/build-package.ts          build dist/ (npm's prepack)
 *   npx tsx scripts/build-package.ts --clean  remove it (npm's postpack)
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bundlePageScript, uplotStyleSheet } from "../host/app/server/assets.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = `${ROOT}dist`;

/** Data the compiled code reads, copied to the same place under dist/. */
const DATA = ["hardware/profiles", "hardware/bom.json", "shared/protocol/cuff-link.schema.json", "shared/protocol/scenario.schema.json", "scenarios", "firmware/mcu"];

/** The browser app's page: its files as they are, its script bundled, uPlot's style sheet beside it. */
async function buildPage(): Promise<void> {
  const web = `${DIST}/host/app/web`;
  mkdirSync(web, { recursive: true });
  for (const file of ["index.html", "app.css"]) cpSync(`${ROOT}host/app/web/${file}`, `${web}/${file}`);
  writeFileSync(`${web}/app.js`, await bundlePageScript(`${ROOT}host/app/web/main.ts`));
  writeFileSync(`${web}/uplot.css`, uplotStyleSheet());
}

export async function buildPackage(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  execFileSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, "-p", `${ROOT}tsconfig.build.json`], { stdio: "inherit" });
  for (const path of DATA) {
    // the board's build outputs are made where it runs, not shipped
    cpSync(`${ROOT}${path}`, `${DIST}/${path}`, { recursive: true, filter: (source) => !/\/build(\/|$)|\.lock$/.test(source) });
  }
  await buildPage();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--clean")) rmSync(DIST, { recursive: true, force: true });
  else await buildPackage();
}
