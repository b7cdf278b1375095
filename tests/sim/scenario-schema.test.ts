/** The JSON Schema users validate scenario files against is the zod schema the simulator uses. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderScenarioSchemaFile, SCENARIO_SCHEMA_FILE } from "../../scripts/write-schema.ts";

describe("the scenario file JSON Schema", () => {
  it("the committed file is current (npm run schema regenerates it)", () => {
    expect(readFileSync(SCENARIO_SCHEMA_FILE, "utf8")).toBe(renderScenarioSchemaFile());
  });

  it("refuses unknown keys and requires a name, as the simulator does", () => {
    const schema = JSON.parse(readFileSync(SCENARIO_SCHEMA_FILE, "utf8")) as { required: string[]; additionalProperties: boolean; properties: Record<string, unknown> };
    expect(schema.required).toEqual(["name"]);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["subject", "cuff", "hardware", "plan", "exercise", "faults"]));
  });
});
