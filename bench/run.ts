/**
 * `npm run bench`: regenerates bench/REPORT.md and its SVGs from fresh runs.
 * `npm run bench -- --small` makes the quick version the structure test uses.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildReport, FULL, SMALL } from "./report.ts";

const small = process.argv.includes("--small");
const dir = fileURLToPath(new URL(".", import.meta.url));
const report = await buildReport(small ? SMALL : FULL, { onProgress: (line) => process.stderr.write(`bench: ${line}\n`) });
writeFileSync(`${dir}REPORT.md`, report.markdown);
for (const [name, svg] of Object.entries(report.svgs)) writeFileSync(`${dir}${name}`, svg);
process.stderr.write(`bench: wrote ${dir}REPORT.md\n`);
if (!small) {
  // The README's headline figures come from the same run.
  const readme = `${dir}../README.md`;
  const text = readFileSync(readme, "utf8");
  const start = "<!-- bench:headline -->";
  const end = "<!-- /bench:headline -->";
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from >= 0 && to > from) {
    writeFileSync(readme, `${text.slice(0, from + start.length)}\n${report.headline}\n${text.slice(to)}`);
    process.stderr.write("bench: updated the headline figures in README.md\n");
  }
}
