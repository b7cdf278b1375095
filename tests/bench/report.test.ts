import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildReport, reportStructure, SMALL } from "../../bench/report.ts";

describe("the benchmark report", () => {
  it("a small fresh run has the committed report's sections and tables, with numbers from the runs", async () => {
    const committed = readFileSync(new URL("../../bench/REPORT.md", import.meta.url), "utf8");
    const fresh = await buildReport(SMALL, { now: new Date("2026-01-01") });
    expect(reportStructure(fresh.markdown)).toEqual(reportStructure(committed));
    expect(Object.keys(fresh.svgs)).toEqual(["example-session.svg"]);
    expect(fresh.svgs["example-session.svg"]).toContain("<svg");
    // The numbers are computed: the regulated row beats the unregulated sealed cuff on the same thighs.
    const within10 = (label: string) => {
      const row = fresh.markdown.split("\n").find((l) => l.startsWith(`| ${label}`))!;
      return Number(/\| (\d+\.\d) %/.exec(row.split("|").slice(3).join("|"))![1]);
    };
    expect(within10("**ours**, thighs at 80 % LOP (population")).toBeGreaterThan(95);
    expect(within10("unregulated sealed cuff")).toBeLessThan(50);
  });
});
