// Properties of the breaker state machine over any sequence of failures, successes, storms,
// resets and clock steps (fast-check, a fixed seed so the test command is repeatable).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BreakerEvent,
  type BreakerPolicy,
  type BreakerRecord,
  breakerScopeKey,
  failureWindowStart,
  nextBreaker,
  phaseOf,
} from "./state-machine.js";

const MINUTE = 60_000;
const policy: BreakerPolicy = { failures: 3, withinMs: 60 * MINUTE, openForMs: 30 * MINUTE };
const at = breakerScopeKey("runbook", "nginx-down", undefined);

const step = fc.record({
  dt: fc.integer({ min: 0, max: 90 * MINUTE }),
  kind: fc.constantFrom("failure", "failure", "failure", "success", "storm", "reset"),
});

describe("the breaker state machine, for any sequence of events", () => {
  it("opens only on enough failures (or a storm), closes only on a probe's success (or a reset), and never loses its count's floor", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let now = Date.parse("2026-01-01T00:00:00Z");
        let record: BreakerRecord | undefined;
        const failures: number[] = [];
        for (const { dt, kind } of steps) {
          now += dt;
          const before = record;
          const phase = phaseOf(before, now);
          let event: BreakerEvent;
          if (kind === "failure") {
            failures.push(now);
            const since = failureWindowStart(before, policy.withinMs, now);
            const failuresInWindow = failures.filter((time) => time > since).length;
            event = { kind, executionId: "ex_f", why: "failed", failuresInWindow, policy };
          } else if (kind === "success") event = { kind, executionId: "ex_s" };
          else if (kind === "storm") event = { kind, reason: "storm", openForMs: 15 * MINUTE };
          else event = { kind, reason: "reset by an operator" };
          const next = nextBreaker(before, event, before ?? at, now);
          if (next) record = next.record;
          const after = phaseOf(record, now);

          if (record?.state === "closed") expect([record.openedAt, record.halfOpenAt]).toEqual([null, null]);
          if (record?.state === "open")
            expect(record.halfOpenAt).toBeGreaterThan(record.openedAt ?? Number.NaN);
          expect(record?.countFailuresFrom ?? 0).toBeGreaterThanOrEqual(before?.countFailuresFrom ?? 0);
          if (phase === "closed" && after !== "closed") {
            // Opening from closed takes the threshold or a storm.
            expect(
              event.kind === "storm" ||
                (event.kind === "failure" && event.failuresInWindow >= policy.failures),
            ).toBe(true);
          }
          if (phase !== "closed" && after === "closed") {
            expect(event.kind === "reset" || (event.kind === "success" && phase === "half_open")).toBe(true);
          }
          if (event.kind === "success") expect(next?.change.state ?? "closed").toBe("closed");
          if (event.kind === "failure") expect(next?.change.state ?? "open").toBe("open");
        }
      }),
      { seed: 20261202, numRuns: 300 },
    );
  });
});
