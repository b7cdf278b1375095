/** Writes shared/protocol/cuff-link.schema.json from the zod schemas: `npm run schema`. */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { linkJsonSchema, SCHEMA_FINGERPRINT } from "../shared/protocol/fingerprint.ts";

export const SCHEMA_FILE = fileURLToPath(new URL("../shared/protocol/cuff-link.schema.json", import.meta.url));

export function renderSchemaFile(): string {
  return JSON.stringify({ ...linkJsonSchema(), fingerprint: SCHEMA_FINGERPRINT }, null, 2) + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderSchemaFile());
  console.log(`wrote ${SCHEMA_FILE} (fingerprint ${SCHEMA_FINGERPRINT})`);
}
