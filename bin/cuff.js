#!/usr/bin/env node
// The `cuff` command. In the repository it runs the TypeScript sources through tsx;
// the published package carries them compiled to JavaScript in dist/.
import { existsSync } from "node:fs";

// `npm start -- ...` runs in the package's folder: a path the user typed means the folder
// they typed it in, which npm keeps in INIT_CWD.
if (process.env.npm_lifecycle_event === "start" && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

const source = new URL("../host/cli/main.ts", import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import("../dist/host/cli/main.js"));
}
process.exitCode = await main(process.argv.slice(2));
