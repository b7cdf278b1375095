import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadBom, renderBomMarkdown } from "../../hardware/bom.ts";
import { HARDWARE_README_PATH, PNEUMATICS_SVG_PATH, WIRING_SVG_PATH, generatedFiles } from "../../hardware/drawings/draw.ts";
import { referenceProfile } from "../../hardware/profile.ts";

const bom = loadBom();
const profile = referenceProfile();
const wiring = readFileSync(WIRING_SVG_PATH, "utf8");
const pneumatics = readFileSync(PNEUMATICS_SVG_PATH, "utf8");
const readme = readFileSync(HARDWARE_README_PATH, "utf8");

function attributeValues(svg: string, name: string): Set<string> {
  return new Set([...svg.matchAll(new RegExp(`${name}="([^"]*)"`, "g"))].map((m) => m[1]!));
}

function textContent(svg: string): string {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!).join("\n");
}

/** Every coordinate an element uses, to check that nothing is drawn off the sheet. */
function coordinates(svg: string): Array<{ axis: "x" | "y"; value: number }> {
  const out: Array<{ axis: "x" | "y"; value: number }> = [];
  for (const m of svg.matchAll(/\s(x|x1|x2|cx|y|y1|y2|cy)="(-?[\d.]+)"/g)) {
    out.push({ axis: m[1]!.startsWith("x") || m[1] === "cx" ? "x" : "y", value: Number(m[2]) });
  }
  for (const m of svg.matchAll(/points="([^"]*)"/g)) {
    for (const pair of m[1]!.trim().split(/\s+/)) {
      const [x, y] = pair.split(",").map(Number);
      out.push({ axis: "x", value: x! }, { axis: "y", value: y! });
    }
  }
  return out;
}

describe("hardware drawings", () => {
  it("are exactly what the generator produces from bom.json and the profile (run npm run hardware:drawings)", () => {
    for (const [path, expected] of generatedFiles()) {
      expect(readFileSync(path, "utf8"), `${path} is stale`).toBe(expected);
    }
  });

  it("show every BOM part, by part id and by every designator", () => {
    const partIds = new Set([...attributeValues(wiring, "data-part"), ...attributeValues(pneumatics, "data-part")]);
    const designators = new Set([...attributeValues(wiring, "data-designator"), ...attributeValues(pneumatics, "data-designator")]);
    const labels = `${textContent(wiring)}\n${textContent(pneumatics)}`;
    for (const part of bom.parts) {
      expect(partIds, `part ${part.id} is in neither drawing`).toContain(part.id);
      for (const designator of part.designators) {
        expect(designators, `designator ${designator} (${part.id}) is not drawn`).toContain(designator);
        expect(labels, `designator ${designator} has no visible label`).toContain(designator);
      }
    }
  });

  it("draw only parts that are in the BOM", () => {
    const ids = new Set(bom.parts.map((p) => p.id));
    for (const id of [...attributeValues(wiring, "data-part"), ...attributeValues(pneumatics, "data-part")]) {
      expect(ids).toContain(id);
    }
  });

  it("label the Nano pins that the reference profile uses", () => {
    const labels = textContent(wiring);
    expect(labels).toContain(`${profile.pins.pump} pump PWM`);
    expect(labels).toContain(`${profile.pins.vent} vent PWM`);
    expect(labels).toContain(`${profile.pins.emergencyButton} button sense`);
    expect(labels).toContain(`${profile.pins.pressure}: Firmata channel`);
    expect(labels).toContain(`${profile.pins.secondaryPressure} second sensor`);
  });

  it("stay on the sheet", () => {
    for (const svg of [wiring, pneumatics]) {
      const [, width, height] = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
      for (const { axis, value } of coordinates(svg)) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(axis === "x" ? width! : height!);
      }
    }
  });

  it("are well-formed: balanced groups, one root element", () => {
    for (const svg of [wiring, pneumatics]) {
      expect(svg.startsWith("<svg ")).toBe(true);
      expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
      expect((svg.match(/<g[ >]/g) ?? []).length).toBe((svg.match(/<\/g>/g) ?? []).length);
      expect(svg).not.toMatch(/&(?!amp;|lt;|gt;|quot;)/);
    }
  });
});

describe("hardware README", () => {
  it("carries the BOM tables generated from bom.json, with the total", () => {
    expect(readme).toContain(renderBomMarkdown(bom));
    expect(readme).toMatch(/\*\*Electronics, power, pneumatics and assembly: \d+\.\d\d USD\*\*/);
  });

  it("has a pin map that agrees with the reference profile", () => {
    const row = (field: string) => readme.split("\n").find((line) => line.includes(`\`${field}\``));
    expect(row("pins.pump")).toMatch(new RegExp(`^\\| ${profile.pins.pump} \\|`));
    expect(row("pins.vent")).toMatch(new RegExp(`^\\| ${profile.pins.vent} \\|`));
    expect(row("pins.pressure")).toMatch(new RegExp(`^\\| ${profile.pins.pressure} \\|`));
    expect(row("pins.emergencyButton")).toMatch(new RegExp(`^\\| ${profile.pins.emergencyButton} \\|`));
    expect(row("pins.secondaryPressure")).toMatch(new RegExp(`^\\| ${profile.pins.secondaryPressure} \\|`));
  });
});
