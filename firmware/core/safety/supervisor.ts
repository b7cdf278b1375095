/**
 * The safety supervisor: runs the rule table after the controller every tick,
 * reports alarms as they start, and latches faults until acknowledged.
 */
import type { AlarmKind, Severity } from "../../../shared/protocol/messages.ts";
import type { SafetyInput, SafetyRule } from "./rule.ts";
import { HoseKinkRule } from "./rules/hose-kink.ts";
import { LeakRule } from "./rules/leak.ts";
import { OcclusionRule } from "./rules/occlusion.ts";
import { InflationStalledRule, SlowLeakRule, ValveStuckClosedRule } from "./rules/pneumatic.ts";
import { PumpDeadRule } from "./rules/pump-dead.ts";
import { PumpTooSmallRule } from "./rules/pump-too-small.ts";
import { AboveLopRule, CuffOffRule, DeviationRule, OverpressureRule } from "./rules/pressure.ts";
import { SensorDisagreementRule, SensorDisconnectedRule, SensorDriftRule, SensorNanRule, SensorOutOfRangeRule, SensorSlopeRule, SensorStuckRule } from "./rules/sensor.ts";

/** The rule table, in the order the rules run (and report) each tick. */
export function safetyRules(): SafetyRule[] {
  return [
    new SensorNanRule(),
    new SensorDisconnectedRule(),
    new SensorOutOfRangeRule(),
    new OverpressureRule(),
    new AboveLopRule(),
    new OcclusionRule(),
    new SensorSlopeRule(),
    new SensorStuckRule(),
    new SensorDisagreementRule(),
    new HoseKinkRule(),
    new ValveStuckClosedRule(),
    new SensorDriftRule(),
    new CuffOffRule(),
    new PumpDeadRule(),
    new LeakRule(),
    new PumpTooSmallRule(),
    new InflationStalledRule(),
    new SlowLeakRule(),
    new DeviationRule(),
  ];
}

export interface RaisedAlarm {
  kind: AlarmKind;
  severity: Severity;
  latches: boolean;
  detail: string;
}

/** A fault that holds the cuff vented until the host acknowledges it. */
export interface LatchedFault {
  kind: AlarmKind;
  detail: string;
}

export class Supervisor {
  private readonly active = new Set<AlarmKind>();
  private latchedFault: LatchedFault | null = null;

  constructor(private readonly rules: readonly SafetyRule[] = safetyRules()) {}

  /** Alarms that became true this tick; a latching one latches. A rule re-arms once its condition clears. */
  evaluate(input: SafetyInput): RaisedAlarm[] {
    const raised: RaisedAlarm[] = [];
    for (const rule of this.rules) {
      const detail = rule.check(input);
      if (detail === null) {
        this.active.delete(rule.kind);
      } else if (!this.active.has(rule.kind)) {
        this.active.add(rule.kind);
        raised.push({ kind: rule.kind, severity: rule.severity, latches: rule.latches, detail });
      }
    }
    return raised;
  }

  /** Latches a fault (from a rule, the board or the runtime); false when one is latched already. */
  latch(kind: AlarmKind, detail: string): boolean {
    if (this.latchedFault) return false;
    this.latchedFault = { kind, detail };
    return true;
  }

  get latched(): LatchedFault | null {
    return this.latchedFault;
  }

  activeKinds(): AlarmKind[] {
    return [...this.active];
  }

  /** The host acknowledged the fault: unlatch and forget every rule's memory. */
  acknowledge(): void {
    this.latchedFault = null;
    this.reset();
  }

  /** A new session starts with no alarms and no rule memory of the last one. */
  reset(): void {
    this.active.clear();
    for (const rule of this.rules) rule.reset();
  }

  get table(): readonly SafetyRule[] {
    return this.rules;
  }
}
