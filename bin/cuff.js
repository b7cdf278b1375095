#!/usr/bin/env node
// The `cuff` command. TypeScript runs through tsx, so nothing needs building.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../host/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
