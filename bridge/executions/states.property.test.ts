// Properties of the state table's `advance` over any order of GitHub's observations.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { advance, type ExecutionState, executionStates, isRunOver, traitsOf } from "./states.js";

describe("advance, for any sequence of observations (redelivered, out of order)", () => {
  it("never moves a state backwards, and never moves a final one", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ExecutionState>("pending", "dispatched"),
        fc.array(fc.constantFrom(...executionStates), { maxLength: 40 }),
        (start, observations) => {
          let state: ExecutionState = start;
          for (const observed of observations) {
            const next = advance(state, observed);
            if (next === undefined) continue;
            expect(isRunOver(state), `${state}: its run is over, moved to ${next}`).toBe(false);
            expect(traitsOf(next).rank ?? -1).toBeGreaterThanOrEqual(
              traitsOf(state).rank ?? Number.POSITIVE_INFINITY,
            );
            state = next;
          }
        },
      ),
      { seed: 20261202, numRuns: 500 },
    );
  });
});
