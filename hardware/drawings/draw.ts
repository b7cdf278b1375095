/**
 * Generates the hardware drawings and the README's BOM tables from their sources:
 * hardware/bom.json and the reference profile. Run with `npm run hardware:drawings`
 * (or `npx tsx hardware/drawings/draw.ts`); tests/hardware fails when the committed
 * files differ from what this produces.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadBom, withBomSection } from "../bom.ts";
import { referenceProfile } from "../profile.ts";
import { renderPneumatics } from "./pneumatics.ts";
import { renderWiring } from "./wiring.ts";

export const WIRING_SVG_PATH = fileURLToPath(new URL("./wiring.svg", import.meta.url));
export const PNEUMATICS_SVG_PATH = fileURLToPath(new URL("./pneumatics.svg", import.meta.url));
export const HARDWARE_README_PATH = fileURLToPath(new URL("../README.md", import.meta.url));

/** Every generated file with the content it should have now. */
export function generatedFiles(): Map<string, string> {
  const bom = loadBom();
  const profile = referenceProfile();
  return new Map([
    [WIRING_SVG_PATH, renderWiring(bom, profile)],
    [PNEUMATICS_SVG_PATH, renderPneumatics(bom)],
    [HARDWARE_README_PATH, withBomSection(readFileSync(HARDWARE_README_PATH, "utf8"), bom)],
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [path, content] of generatedFiles()) {
    writeFileSync(path, content);
    console.log(`wrote ${path}`);
  }
}
