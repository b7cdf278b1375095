/**
 * The bill of materials as data (hardware/bom.json), validated here. The README's
 * BOM tables and the drawings' labels are generated from it, so the three agree.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** Parts that count towards the build budget; cuffs, bench tools and options are listed apart. */
export const BUDGET_CATEGORIES = ["electronics", "power", "pneumatics", "assembly"] as const;
const CATEGORIES = [...BUDGET_CATEGORIES, "cuff", "tool", "option"] as const;

const PartSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "a kebab-case id"),
  category: z.enum(CATEGORIES),
  /** Reference designators as printed on the drawings. */
  designators: z.array(z.string().regex(/^[A-Z][A-Z0-9-]*$/, "an upper-case designator such as Q1")).min(1),
  type: z.string().min(1),
  part: z.string().min(1),
  alternative: z.string().min(1),
  /** The datasheet figures that matter for this build, as a person reads them. */
  figures: z.array(z.string().min(1)).min(1),
  /** The same figures as numbers for the code that checks or simulates the build; names carry units. */
  specs: z.record(z.string().regex(/^[a-z][A-Za-z]*$/), z.number()).optional(),
  /** Pieces the build uses. */
  quantity: z.int().positive(),
  /** Pieces in the smallest pack one can buy. */
  packSize: z.int().positive(),
  packPriceUsd: z.number().positive().max(100),
});
export type BomPart = z.infer<typeof PartSchema>;

export const BomSchema = z
  .strictObject({
    currency: z.literal("USD"),
    priceBasis: z.string().min(1),
    budgetUsd: z.number().positive(),
    parts: z.array(PartSchema).min(1),
  })
  .superRefine((bom, ctx) => {
    const seenIds = new Set<string>();
    const seenDesignators = new Set<string>();
    bom.parts.forEach((part, index) => {
      if (seenIds.has(part.id)) ctx.addIssue({ code: "custom", path: ["parts", index, "id"], message: `duplicate part id "${part.id}"` });
      seenIds.add(part.id);
      part.designators.forEach((designator, d) => {
        if (seenDesignators.has(designator)) {
          ctx.addIssue({ code: "custom", path: ["parts", index, "designators", d], message: `designator ${designator} is used twice` });
        }
        seenDesignators.add(designator);
      });
      if (part.designators.length !== part.quantity) {
        ctx.addIssue({ code: "custom", path: ["parts", index, "designators"], message: `${part.quantity} pieces need ${part.quantity} designators` });
      }
    });
  });
export type Bom = z.infer<typeof BomSchema>;

export class BomError extends Error {
  override name = "BomError";
}

export function parseBom(value: unknown, source = "bom"): Bom {
  const result = BomSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new BomError(`${source}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
  }
  return result.data;
}

export const BOM_PATH = fileURLToPath(new URL("./bom.json", import.meta.url));

export function loadBom(path = BOM_PATH): Bom {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new BomError(`cannot read the bill of materials ${path}: ${(error as Error).message}`);
  }
  return parseBom(json, path);
}

/** What the builder pays for a line: whole packs. */
export function lineCostUsd(part: BomPart): number {
  return Math.ceil(part.quantity / part.packSize) * part.packPriceUsd;
}

export function isBudgetPart(part: BomPart): boolean {
  return (BUDGET_CATEGORIES as readonly string[]).includes(part.category);
}

/** Cents avoid floating-point sums such as 58.300000000000004. */
export function totalUsd(parts: readonly BomPart[]): number {
  return parts.reduce((cents, part) => cents + Math.round(lineCostUsd(part) * 100), 0) / 100;
}

export function budgetTotalUsd(bom: Bom): number {
  return totalUsd(bom.parts.filter(isBudgetPart));
}

export function partById(bom: Bom, id: string): BomPart {
  const part = bom.parts.find((p) => p.id === id);
  if (!part) throw new BomError(`the bill of materials has no part "${id}"`);
  return part;
}

/** A named number from a part's specs; a missing one is a BOM defect, not a default. */
export function spec(bom: Bom, id: string, name: string): number {
  const value = partById(bom, id).specs?.[name];
  if (value === undefined) throw new BomError(`part "${id}" has no spec "${name}"`);
  return value;
}

function usd(value: number): string {
  return value.toFixed(2);
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

function table(parts: readonly BomPart[]): string[] {
  const rows = [
    "| ref | part type | part (concrete) | alternative | figures that matter | qty | pack | pack price | line |",
    "|---|---|---|---|---|---:|---:|---:|---:|",
  ];
  for (const p of parts) {
    rows.push(
      `| ${p.designators.join(", ")} | ${cell(p.type)} | ${cell(p.part)} | ${cell(p.alternative)} | ${cell(p.figures.join("; "))} | ${p.quantity} | ${p.packSize} | ${usd(p.packPriceUsd)} | ${usd(lineCostUsd(p))} |`,
    );
  }
  return rows;
}

/** The README's BOM section, generated so the prose can never disagree with bom.json. */
export function renderBomMarkdown(bom: Bom): string {
  const budgetParts = bom.parts.filter(isBudgetPart);
  const cuffs = bom.parts.filter((p) => p.category === "cuff");
  const tools = bom.parts.filter((p) => p.category === "tool");
  const options = bom.parts.filter((p) => p.category === "option");
  const lines: string[] = [];
  lines.push(`Prices: ${bom.priceBasis}. Amounts in ${bom.currency}.`, "");
  for (const category of BUDGET_CATEGORIES) {
    lines.push(`#### ${category}`, "", ...table(budgetParts.filter((p) => p.category === category)), "");
  }
  lines.push(
    `**Electronics, power, pneumatics and assembly: ${usd(budgetTotalUsd(bom))} USD** (budget ${usd(bom.budgetUsd)} USD; a KAATSU unit is quoted above 2000 USD).`,
    "",
    "#### cuffs (bought separately, one per limb)",
    "",
    ...table(cuffs),
    "",
    `Cuffs: ${usd(totalUsd(cuffs))} USD for both.`,
    "",
    "#### bench tool (calibration only)",
    "",
    ...table(tools),
  );
  if (options.length > 0) lines.push("", "#### options (not needed to run the cuff)", "", ...table(options), "", `Options: ${usd(totalUsd(options))} USD.`);
  return lines.join("\n");
}

export const BOM_SECTION_START = "<!-- bom:start (generated from hardware/bom.json by npm run hardware:drawings) -->";
export const BOM_SECTION_END = "<!-- bom:end -->";

/** Replace the generated section of a README; the markers must be present once each. */
export function withBomSection(readme: string, bom: Bom): string {
  const start = readme.indexOf(BOM_SECTION_START);
  const end = readme.indexOf(BOM_SECTION_END);
  if (start < 0 || end < start) throw new BomError("the README lacks the BOM section markers");
  return `${readme.slice(0, start + BOM_SECTION_START.length)}\n${renderBomMarkdown(bom)}\n${readme.slice(end)}`;
}
