/**
 * The plan form: limb, mode (sets, continuous, cycles), target as % of LOP or
 * mmHg, and the LOP to use. It yields a plan checked by the same schema the
 * cuff link uses, or one sentence saying what is wrong.
 */
import { type Limb, type PlanInput, PlanSchema } from "../../../shared/plan.ts";
import { byId, show } from "./dom.ts";

export type PlanChoice = { ok: true; limb: Limb; plan: PlanInput } | { ok: false; error: string };

const FIELD_WORDS: Record<string, string> = {
  sets: "Reps per set",
  restSeconds: "Rest",
  minutes: "Minutes",
  cycles: "Cycles",
  holdSeconds: "On",
  releaseSeconds: "Off",
  target: "Target",
  percentLop: "Target",
  mmhg: "Target",
  lop: "LOP",
};

export class PlanForm {
  readonly form = byId<HTMLFormElement>("plan");
  private readonly error = byId("plan-error");

  constructor(limb: Limb | null, plan: PlanInput | null) {
    if (limb) this.input(`limb`, limb).checked = true;
    if (plan) this.fill(plan);
    this.field("mode").addEventListener("change", () => this.showModeFields());
    this.field("lopChoice").addEventListener("change", () => this.syncLop());
    this.showModeFields();
    this.syncLop();
  }

  /** An LOP measured on this cuff becomes the plan's known LOP. */
  useLop(mmhg: number): void {
    this.field("lopChoice").value = "known";
    this.field("lop").value = String(Math.round(mmhg));
    this.syncLop();
  }

  limb(): Limb {
    return (this.form.querySelector<HTMLInputElement>('input[name="limb"]:checked')?.value as Limb | undefined) ?? "leg";
  }

  read(): PlanChoice {
    const value = (name: string) => this.field(name).value.trim();
    const number = (name: string) => (value(name) === "" ? Number.NaN : Number(value(name).replace(",", ".")));
    const target = value("targetUnit") === "mmhg" ? { mmhg: number("target") } : { percentLop: number("target") };
    const lop = value("lopChoice") === "known" ? number("lop") : "measure";
    const mode = value("mode");
    let raw: Record<string, unknown>;
    if (mode === "continuous") raw = { mode, minutes: number("minutes"), target, lop };
    else if (mode === "cycle") raw = { mode, cycles: number("cycles"), holdSeconds: number("on"), releaseSeconds: number("off"), target, lop };
    else {
      const sets = value("sets").split(/[,\s]+/).filter(Boolean).map(Number);
      raw = { mode: "sets", sets, restSeconds: number("rest"), target, lop };
    }
    const parsed = PlanSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).reverse().find((p) => FIELD_WORDS[p]) ?? "";
      return this.fail(`${FIELD_WORDS[field] ?? "The plan"}: ${issue.message.replace(/^Too (small|big): expected number to be /, "must be ")}`);
    }
    show(this.error, false);
    return { ok: true, limb: this.limb(), plan: raw as PlanInput };
  }

  enable(enabled: boolean): void {
    for (const element of this.form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement>("input, select, button")) {
      if (element.name === "lop") continue;
      element.disabled = !enabled;
    }
    if (enabled) this.syncLop();
    else this.field("lop").disabled = true;
  }

  showError(text: string): void {
    this.error.textContent = text;
    show(this.error, true);
  }

  private fail(text: string): PlanChoice {
    this.showError(text);
    return { ok: false, error: text };
  }

  private fill(plan: PlanInput): void {
    this.field("mode").value = plan.mode ?? "sets";
    if ("percentLop" in plan.target) {
      this.field("targetUnit").value = "percent";
      this.field("target").value = String(plan.target.percentLop);
    } else {
      this.field("targetUnit").value = "mmhg";
      this.field("target").value = String(plan.target.mmhg);
    }
    if (typeof plan.lop === "number") this.useLop(plan.lop);
    if (plan.mode === "continuous") this.field("minutes").value = String(plan.minutes);
    else if (plan.mode === "cycle") {
      if (plan.cycles !== undefined) this.field("cycles").value = String(plan.cycles);
      if (plan.holdSeconds !== undefined) this.field("on").value = String(plan.holdSeconds);
      if (plan.releaseSeconds !== undefined) this.field("off").value = String(plan.releaseSeconds);
    } else {
      this.field("sets").value = plan.sets.join(",");
      if (plan.restSeconds !== undefined) this.field("rest").value = String(plan.restSeconds);
    }
  }

  private showModeFields(): void {
    const mode = this.field("mode").value;
    for (const label of this.form.querySelectorAll<HTMLElement>("[data-mode]")) show(label, label.dataset.mode === mode);
  }

  private syncLop(): void {
    this.field("lop").disabled = this.field("lopChoice").value !== "known";
  }

  private field(name: string): HTMLInputElement & HTMLSelectElement {
    const element = this.form.elements.namedItem(name);
    if (!element) throw new Error(`the plan form has no field ${name}`);
    return element as HTMLInputElement & HTMLSelectElement;
  }

  private input(name: string, value: string): HTMLInputElement {
    return this.form.querySelector<HTMLInputElement>(`input[name="${name}"][value="${value}"]`)!;
  }
}
