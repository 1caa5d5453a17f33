import { describe, expect, it } from "vitest";
import { context, MINUTE, NOW, runbook } from "../../test/fixtures/guards/context.js";
import { cooldown } from "./cooldown.js";

const last = (minutesAgo: number) => ({
  at: NOW - minutesAgo * MINUTE,
  executionId: "ex_0000000001abcdefgh",
});

describe("cooldown", () => {
  it.each<[string, string | undefined, ReturnType<typeof last> | undefined, string | undefined, string?]>([
    ["allows when the runbook has no cooldown", undefined, last(1), undefined],
    ["allows the first dispatch", "10m", undefined, undefined],
    ["allows once the cooldown has passed", "10m", last(11), undefined],
    ["allows exactly when the cooldown ends", "10m", last(10), undefined],
    [
      "refuses within the cooldown, saying when it ran, which execution and when next",
      "10m",
      last(3),
      "cooldown: nginx-down on web-1 last dispatched 3m ago (ex_0000000001abcdefgh); next allowed 12:37:05Z",
    ],
    [
      "names only the runbook when there is no target",
      "1h",
      last(59),
      "cooldown: nginx-down last dispatched 59m ago (ex_0000000001abcdefgh); next allowed 12:31:05Z",
      "none",
    ],
  ])("%s", (_case, period, lastDispatch, reason, target = "web-1") => {
    const verdict = cooldown(
      context({
        runbook: runbook({ guards: period ? { cooldown: period } : {} }),
        target: target === "none" ? undefined : target,
        state: { lastDispatch },
      }),
    );
    if (reason === undefined) expect(verdict).toEqual({ allow: true });
    else expect(verdict).toEqual({ allow: false, guard: "cooldown", reason });
  });

  it("formats the example from the issue: 3m ago, next allowed 12:40:05Z", () => {
    const now = Date.parse("2025-06-02T12:33:05Z");
    const verdict = cooldown(
      context({
        now,
        runbook: runbook({ guards: { cooldown: "10m" } }),
        state: { lastDispatch: { at: now - 3 * MINUTE + 0, executionId: "ex_abc" } },
      }),
    );
    expect(verdict).toMatchObject({
      reason: "cooldown: nginx-down on web-1 last dispatched 3m ago (ex_abc); next allowed 12:40:05Z",
    });
  });
});
