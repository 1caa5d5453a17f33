import { describe, expect, it } from "vitest";
import type { RunbookScorecardJson, RunbooksAnswer, ScorecardWindowJson } from "../http/api-types.js";
import { OUTCOME_BUCKETS } from "../scorecard/outcome-buckets.js";
import { humanDuration, renderScorecardMarkdown } from "./scorecard-markdown.js";

function window(overrides: Partial<ScorecardWindowJson> = {}): ScorecardWindowJson {
  return {
    executions: 0,
    dispatched: 0,
    outcomes: Object.fromEntries(
      OUTCOME_BUCKETS.map((bucket) => [bucket, 0]),
    ) as ScorecardWindowJson["outcomes"],
    verifiedRate: null,
    timeToResolution: { count: 0, fromStart: null, fromDispatch: null },
    relapses: 0,
    suppressedBy: {},
    ...overrides,
  };
}

function card(
  runbook: string,
  week: ScorecardWindowJson,
  rest: Partial<RunbookScorecardJson> = {},
): RunbookScorecardJson {
  return {
    runbook,
    loaded: true,
    windows: { "24h": window(), "7d": week, "30d": week },
    lastFailure: null,
    breaker: { state: "closed", notClosed: [] },
    ...rest,
  };
}

const answer = (runbooks: RunbookScorecardJson[]): RunbooksAnswer => ({
  generatedAt: Date.parse("2026-12-06T09:00:00Z"),
  windows: ["24h", "7d", "30d"],
  runbooks,
});

describe("renderScorecardMarkdown", () => {
  it("shows the verified rate with its counts, times to resolution and the open breaker", () => {
    const outcomes = { ...window().outcomes, verified: 15, not_cleared: 1, rolled_back: 0, failed: 1 };
    const week = window({
      executions: 20,
      dispatched: 17,
      outcomes,
      verifiedRate: 15 / 17,
      timeToResolution: {
        count: 15,
        fromStart: { medianMs: 220_000, p90Ms: 480_000 },
        fromDispatch: { medianMs: 100_000, p90Ms: 300_000 },
      },
      relapses: 2,
      suppressedBy: { max_per_hour: 1, cooldown: 2 },
    });
    const breaker = {
      state: "half_open" as const,
      notClosed: [
        {
          key: "runbook:nginx-down",
          scope: "runbook" as const,
          target: null,
          state: "half_open" as const,
          reason: "3 failures",
          openedAt: 1,
          halfOpenAt: 2,
        },
      ],
    };
    const text = renderScorecardMarkdown(
      answer([card("nginx-down", week, { breaker })]),
      "7d",
      "http://bridge:9009",
    );
    expect(text).toContain(
      "| `nginx-down` | 20 | 17 | 88% (15/17) | 1 | 0 | 1 | 3m 40s / 8m (dispatch: 1m 40s / 5m) | 2 | cooldown 2, max_per_hour 1 | **half-open** (`runbook:nginx-down`) |",
    );
    expect(text).toContain("From http://bridge:9009 at 2026-12-06T09:00:00.000Z; 1 runbook.");
  });

  it("keeps alert-derived failure reasons inert and links only https runs", () => {
    const lastFailure = {
      executionId: "ex_1",
      state: "failed",
      reason: "failed on `x` @acme/everyone [click](http://evil.example) | <img src=x>\nsecond line",
      at: Date.parse("2026-12-05T10:00:00Z"),
      runUrl: "javascript:alert(1)",
    };
    const text = renderScorecardMarkdown(answer([card("web", window(), { lastFailure })]), "7d", "http://b");
    const line = text.split("\n").find((entry) => entry.startsWith("- `web`")) ?? "";
    expect(line).toBe(
      "- `web`: failed at 2026-12-05T10:00:00.000Z, execution `ex_1`: `failed on 'x' @acme/everyone [click](http://evil.example) | <img src=x> second line`",
    );
    expect(text).not.toContain("javascript:");
  });

  it("says so when there is nothing to score", () => {
    expect(renderScorecardMarkdown(answer([]), "24h", "http://b")).toContain("No runbook is loaded");
  });
});

describe("humanDuration", () => {
  it.each([
    [45_000, "45s"],
    [220_000, "3m 40s"],
    [300_000, "5m"],
    [7_500_000, "2h 5m"],
    [3_600_000, "1h"],
  ])("%i ms is %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});
