import { describe, expect, it } from "vitest";
import { blackoutWindow } from "../../test/fixtures/guards/context.js";
import { fixtureRunbooks } from "../../test/fixtures/store/temp-database.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import { type GateFacts, judgeGate } from "./approval-gate.js";

const NOW = Date.parse("2025-06-07T02:30:00Z"); // a Saturday
const base = fixtureRunbooks().index.byName.get("api-approval")?.runbook as ResolvedRunbook;
const withBlackout = (cron: string, duration: string, reason?: string): ResolvedRunbook => ({
  ...base,
  guards: {
    ...base.guards,
    blackout: [blackoutWindow({ cron, duration, timezone: "UTC", ...(reason ? { reason } : {}) })],
  },
});

const facts = (over: Partial<GateFacts> = {}): GateFacts => ({
  executionId: "ex_0000000000000000ab",
  runbook: base,
  enabled: true,
  openBreakers: [],
  now: NOW,
  ...over,
});

describe("judgeGate", () => {
  it("approves when the alert still fires, automation is on, no breaker is open and no blackout is active", () => {
    const verdict = judgeGate(facts());
    expect(verdict.state).toBe("approved");
    expect(verdict.comment).toBe(
      "Runbridge: execution ex_0000000000000000ab checked at 2025-06-07T02:30:00.000Z: alert still firing, automation on, no breaker open, no blackout",
    );
  });

  it("approves a run it cannot place (no execution, no runbook) when nothing global forbids it", () => {
    expect(judgeGate(facts({ executionId: undefined, runbook: undefined }))).toMatchObject({
      state: "approved",
      comment: expect.stringContaining("a run Runbridge did not start (manual)"),
    });
  });

  it("never approves when the run's execution could not be established (fails closed)", () => {
    const verdict = judgeGate(facts({ executionId: undefined, unknownBecause: "GitHub 502: Bad Gateway" }));
    expect(verdict.state).toBe("rejected");
    expect(verdict.comment).toContain("cannot check this run: GitHub 502: Bad Gateway");
    expect(verdict.comment).not.toContain("still firing");
  });

  it.each<[string, Partial<GateFacts>, string]>([
    ["the kill switch is off", { enabled: false }, "automation is switched off (kill switch)"],
    [
      "the alert resolved",
      { alertResolvedAt: Date.parse("2025-06-07T02:10:00Z") },
      "alert resolved at 2025-06-07T02:10:00.000Z; nothing left to remediate",
    ],
    [
      "a breaker is open",
      { openBreakers: [{ key: "runbook:api-approval", reason: "3 failures within 1h" }] },
      "circuit breaker runbook:api-approval is open (3 failures within 1h)",
    ],
    [
      "a blackout window is active",
      { runbook: withBlackout("0 2 * * 6", "1h", "weekly maintenance") },
      'blackout window "0 2 * * 6" UTC is active (',
    ],
  ])("rejects when %s", (_why, over, says) => {
    const verdict = judgeGate(facts(over));
    expect(verdict.state).toBe("rejected");
    expect(verdict.comment.startsWith("Runbridge: ")).toBe(true);
    expect(verdict.comment).toContain(says);
  });

  it("names the blackout's reason", () => {
    expect(
      judgeGate(facts({ runbook: withBlackout("0 2 * * 6", "1h", "weekly maintenance") })).comment,
    ).toMatch(/: weekly maintenance$/);
  });

  it("approves outside the blackout window (before it starts and after it ends)", () => {
    expect(judgeGate(facts({ runbook: withBlackout("0 3 * * 6", "1h") })).state).toBe("approved");
    expect(judgeGate(facts({ runbook: withBlackout("0 1 * * 6", "1h") })).state).toBe("approved");
  });

  it("the kill switch comes first, then the resolved alert, then breakers, then blackouts", () => {
    const everything: Partial<GateFacts> = {
      enabled: false,
      alertResolvedAt: NOW - 1,
      openBreakers: [{ key: "global", reason: "storm" }],
      runbook: withBlackout("0 2 * * 6", "1h"),
    };
    expect(judgeGate(facts(everything)).comment).toContain("kill switch");
    expect(judgeGate(facts({ ...everything, enabled: true })).comment).toContain("alert resolved at");
    expect(judgeGate(facts({ ...everything, enabled: true, alertResolvedAt: undefined })).comment).toContain(
      "circuit breaker global",
    );
    expect(
      judgeGate(facts({ ...everything, enabled: true, alertResolvedAt: undefined, openBreakers: [] }))
        .comment,
    ).toContain("blackout window");
  });
});
