/**
 * The model-based property: random sequences of valid host commands (any LOP claim
 * 50-300 mmHg, any targets, silences, reconnections, reused seqs) against members of the
 * simulated physiology family never hold the true cuff pressure at or above the true LOP
 * for more than 5 s outside the firmware's own LOP measurement, and every sequence ends
 * vented once the host asks. bench/hostile-host.ts runs the same model over many more.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runHostileSequence } from "../../hardware/sim/bench/hostile-host.ts";
import { familyMember, hostileSequence } from "../../bench/hostile-commands.ts";

const MAX_SECONDS_AT_OR_ABOVE_LOP = 5;

describe("no host command sequence holds the limb at its LOP", () => {
  for (const distal of [false, true]) {
    it(`${distal ? "with the distal pulse sensor" : "cuff only"}: at or above the true LOP at most ${MAX_SECONDS_AT_OR_ABOVE_LOP} s at a time, vented within 15 s of the host's deflate`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), hostileSequence, (subjectSeed, steps) => {
          const run = runHostileSequence(familyMember(subjectSeed, distal), steps);
          expect(run.longestAboveLopSeconds).toBeLessThanOrEqual(MAX_SECONDS_AT_OR_ABOVE_LOP);
          expect(run.ventedSecondsAfterDeflate).not.toBeNull();
          expect(run.ventedSecondsAfterDeflate!).toBeLessThan(15);
          expect(run.endTrueMmhg).toBeLessThan(15);
        }),
        { seed: 2026, numRuns: 10 },
      );
    }, 60_000);
  }
});
