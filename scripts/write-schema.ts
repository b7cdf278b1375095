/**
 * Writes the JSON Schemas users and other programs validate against, from the zod
 * schemas: `npm run schema`. shared/protocol/cuff-link.schema.json (the link's
 * messages) and shared/protocol/scenario.schema.json (scenario files).
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { linkJsonSchema, SCHEMA_FINGERPRINT } from "../shared/protocol/fingerprint.ts";
import { ScenarioFileSchema } from "../hardware/sim/scenario.ts";

export const SCHEMA_FILE = fileURLToPath(new URL("../shared/protocol/cuff-link.schema.json", import.meta.url));
export const SCENARIO_SCHEMA_FILE = fileURLToPath(new URL("../shared/protocol/scenario.schema.json", import.meta.url));

export function renderSchemaFile(): string {
  return JSON.stringify({ ...linkJsonSchema(), fingerprint: SCHEMA_FINGERPRINT }, null, 2) + "\n";
}

export function renderScenarioSchemaFile(): string {
  const schema = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "cuff scenario",
    description:
      "A simulated subject, cuff, hardware, plan and faults for cuff demo, cuff session --sim, cuff bench and cuff virtual-board. " +
      "Every key but name is optional; unknown keys are an error. See docs/formats.md.",
    ...z.toJSONSchema(ScenarioFileSchema, { io: "input" }),
  };
  return JSON.stringify(schema, null, 2) + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderSchemaFile());
  writeFileSync(SCENARIO_SCHEMA_FILE, renderScenarioSchemaFile());
  console.log(`wrote ${SCHEMA_FILE} (fingerprint ${SCHEMA_FINGERPRINT}) and ${SCENARIO_SCHEMA_FILE}`);
}
