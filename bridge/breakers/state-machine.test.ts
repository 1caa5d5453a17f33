import { describe, expect, it } from "vitest";
import {
  type BreakerEvent,
  type BreakerPolicy,
  type BreakerRecord,
  breakerKey,
  breakerScopeKey,
  failureWindowStart,
  nextBreaker,
  phaseOf,
} from "./state-machine.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const policy: BreakerPolicy = { failures: 3, withinMs: HOUR, openForMs: 30 * MINUTE };
const at = breakerScopeKey("runbook", "nginx-down", "web-1");

const record = (overrides: Partial<BreakerRecord> = {}): BreakerRecord => ({
  ...at,
  state: "open",
  openedAt: NOW - 10 * MINUTE,
  halfOpenAt: NOW + 20 * MINUTE,
  countFailuresFrom: 0,
  reason: "3 failures within 1h",
  closesAutomatically: false,
  updatedAt: NOW - 10 * MINUTE,
  ...overrides,
});
const halfOpen = record({ halfOpenAt: NOW - MINUTE });
const closed = record({ state: "closed", openedAt: null, halfOpenAt: null, countFailuresFrom: NOW - HOUR });
const storm = record({ ...breakerScopeKey("global", "x", undefined), closesAutomatically: true });

const failure = (failuresInWindow: number): BreakerEvent => ({
  kind: "failure",
  executionId: "ex_f",
  why: "run failed",
  failuresInWindow,
  policy,
});

describe("breakerKey", () => {
  it.each([
    ["runbook", "web-1", "runbook:nginx-down"],
    ["target", "web-1", "target:nginx-down:web-1"],
    ["target", undefined, "target:nginx-down:"],
    ["global", "web-1", "global"],
  ] as const)("scope %s with target %s is %s", (scope, target, key) => {
    expect(breakerKey(scope, "nginx-down", target)).toBe(key);
  });
});

describe("phaseOf", () => {
  it.each<[string, BreakerRecord | undefined, string]>([
    ["no breaker is closed", undefined, "closed"],
    ["a closed breaker is closed", closed, "closed"],
    ["open before halfOpenAt", record(), "open"],
    ["open with no half-open time stays open (until reset)", record({ halfOpenAt: null }), "open"],
    ["half-open from halfOpenAt on", record({ halfOpenAt: NOW }), "half_open"],
    ["a storm breaker is open until its time is up", storm, "open"],
    ["a storm breaker whose time is up is closed (no probe)", { ...storm, halfOpenAt: NOW - 1 }, "closed"],
  ])("%s", (_case, breaker, phase) => {
    expect(phaseOf(breaker, NOW)).toBe(phase);
  });
});

describe("failureWindowStart", () => {
  it("counts failures within the window, but none from before the last close", () => {
    expect(failureWindowStart(undefined, HOUR, NOW)).toBe(NOW - HOUR);
    expect(failureWindowStart(closed, HOUR, NOW)).toBe(NOW - HOUR);
    expect(failureWindowStart(record({ countFailuresFrom: NOW - MINUTE }), HOUR, NOW)).toBe(NOW - MINUTE);
  });
});

describe("nextBreaker", () => {
  it.each<[string, BreakerRecord | undefined, BreakerEvent, "open" | "closed" | undefined, RegExp?]>([
    ["a failure below the threshold changes nothing", undefined, failure(2), undefined],
    [
      "the failure that reaches the threshold opens it",
      undefined,
      failure(3),
      "open",
      /^3 failures within 1h \(last: ex_f: run failed\)$/,
    ],
    ["a closed breaker opens again at the threshold", closed, failure(4), "open", /^4 failures within 1h/],
    ["failures while open change nothing", record(), failure(9), undefined],
    [
      "the half-open probe's failure opens it again",
      halfOpen,
      failure(1),
      "open",
      /^half-open probe ex_f failed: run failed$/,
    ],
    ["a success while closed changes nothing", closed, { kind: "success", executionId: "ex_s" }, undefined],
    [
      "a success while open (not yet half-open) changes nothing",
      record(),
      { kind: "success", executionId: "ex_s" },
      undefined,
    ],
    [
      "the half-open probe's success closes it",
      halfOpen,
      { kind: "success", executionId: "ex_s" },
      "closed",
      /^half-open probe ex_s succeeded$/,
    ],
    [
      "a storm opens the global breaker",
      undefined,
      { kind: "storm", reason: "storm limit", openForMs: 15 * MINUTE },
      "open",
      /^storm limit$/,
    ],
    ["a reset closes an open breaker", record(), { kind: "reset", reason: "reset by an operator" }, "closed"],
    [
      "a reset of a closed breaker changes nothing",
      closed,
      { kind: "reset", reason: "reset by an operator" },
      undefined,
    ],
  ])("%s", (_case, current, event, state, reason) => {
    const next = nextBreaker(current, event, current ?? at, NOW);
    expect(next?.change.state).toBe(state);
    if (reason) expect(next?.change.reason).toMatch(reason);
  });

  it("an opened failure breaker turns half-open after openFor and keeps counting from its last close", () => {
    const next = nextBreaker(closed, failure(3), at, NOW);
    expect(next?.record).toMatchObject({
      state: "open",
      openedAt: NOW,
      halfOpenAt: NOW + 30 * MINUTE,
      countFailuresFrom: NOW - HOUR,
      closesAutomatically: false,
    });
    expect(next?.record.reason).toMatch(/; open for 30m$/);
  });

  it("a storm breaker closes by itself and starts a fresh failure count", () => {
    const next = nextBreaker(
      undefined,
      { kind: "storm", reason: "storm", openForMs: 15 * MINUTE },
      breakerScopeKey("global", "x", undefined),
      NOW,
    );
    expect(next?.record).toMatchObject({ key: "global", closesAutomatically: true, countFailuresFrom: NOW });
    expect(phaseOf(next?.record, NOW + 15 * MINUTE)).toBe("closed");
  });

  it("closing forgets the failures before it", () => {
    const next = nextBreaker(halfOpen, { kind: "success", executionId: "ex_s" }, at, NOW);
    expect(next?.record).toMatchObject({
      state: "closed",
      openedAt: null,
      halfOpenAt: null,
      countFailuresFrom: NOW,
    });
  });
});
