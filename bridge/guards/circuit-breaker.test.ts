import { describe, expect, it } from "vitest";
import { context, MINUTE, NOW } from "../../test/fixtures/guards/context.js";
import { circuitBreaker } from "./circuit-breaker.js";
import type { BreakerSnapshot } from "./types.js";

const runbookBreaker = (overrides: Partial<BreakerSnapshot> = {}): BreakerSnapshot => ({
  key: "runbook:nginx-down",
  scope: "runbook",
  state: "open",
  openedAt: NOW - 10 * MINUTE,
  halfOpenAt: NOW + 20 * MINUTE,
  reason: "3 failures within 1h",
  ...overrides,
});

const stormBreaker = (overrides: Partial<BreakerSnapshot> = {}): BreakerSnapshot => ({
  key: "global",
  scope: "global",
  state: "open",
  openedAt: NOW - MINUTE,
  halfOpenAt: NOW + 14 * MINUTE,
  reason: "storm limit: 30 dispatches",
  closesAutomatically: true,
  ...overrides,
});

describe("circuitBreaker", () => {
  it.each<[string, BreakerSnapshot | undefined, BreakerSnapshot | undefined, string | undefined]>([
    ["allows when no breaker is open", undefined, undefined, undefined],
    [
      "allows when the runbook's breaker is closed",
      runbookBreaker({ state: "closed" }),
      undefined,
      undefined,
    ],
    [
      "refuses while open, saying why it opened and when it turns half-open",
      runbookBreaker(),
      undefined,
      "circuit breaker: breaker runbook:nginx-down is open (3 failures within 1h); half-open at 12:50:05Z",
    ],
    [
      "refuses until reset when the breaker has no half-open time",
      runbookBreaker({ halfOpenAt: undefined }),
      undefined,
      "circuit breaker: breaker runbook:nginx-down is open (3 failures within 1h); until reset",
    ],
    ["lets one probe through once half-open", runbookBreaker({ halfOpenAt: NOW }), undefined, undefined],
    [
      "refuses while the half-open probe has not finished",
      runbookBreaker({ halfOpenAt: NOW - MINUTE, probeExecutionId: "ex_probe" }),
      undefined,
      "circuit breaker: breaker runbook:nginx-down is half-open and its probe ex_probe has not finished",
    ],
    [
      "refuses through an open storm breaker with the global label",
      undefined,
      stormBreaker(),
      "circuit breaker: global breaker is open (storm limit: 30 dispatches); half-open at 12:44:05Z",
    ],
    [
      "a storm breaker closes by itself once half-open, without a probe",
      undefined,
      stormBreaker({ halfOpenAt: NOW - 1 }),
      undefined,
    ],
    [
      "a storm breaker closes by itself even when executions run since it turned half-open",
      undefined,
      stormBreaker({ halfOpenAt: NOW - 1, probeExecutionId: "ex_other" }),
      undefined,
    ],
    [
      "a global failure breaker waits for its probe like any other",
      undefined,
      stormBreaker({
        closesAutomatically: false,
        halfOpenAt: NOW - 1,
        probeExecutionId: "ex_p",
        reason: "2 failures",
      }),
      "circuit breaker: global breaker is half-open and its probe ex_p has not finished",
    ],
    [
      "the global breaker is judged before the runbook's",
      runbookBreaker(),
      stormBreaker(),
      "circuit breaker: global breaker is open (storm limit: 30 dispatches); half-open at 12:44:05Z",
    ],
    [
      "the runbook's breaker still counts when the global one lets through",
      runbookBreaker(),
      stormBreaker({ halfOpenAt: NOW - 1 }),
      "circuit breaker: breaker runbook:nginx-down is open (3 failures within 1h); half-open at 12:50:05Z",
    ],
  ])("%s", (_case, breaker, globalBreaker, reason) => {
    const verdict = circuitBreaker(context({ state: { breaker, globalBreaker } }));
    if (reason === undefined) expect(verdict).toEqual({ allow: true });
    else expect(verdict).toEqual({ allow: false, guard: "circuit_breaker", reason });
  });
});
