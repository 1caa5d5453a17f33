import { describe, expect, it } from "vitest";
import { context, runbook } from "../../test/fixtures/guards/context.js";
import type { Runbook } from "../runbooks/runbook.types.js";
import { MAX_TARGET_CHARS, targetAllowed } from "./target-allowed.js";

describe("targetAllowed", () => {
  it.each<[string, Runbook["target"], string | undefined, string | undefined]>([
    ["allows any target when the runbook names no target", undefined, "web-1", undefined],
    ["allows a target when there is no allow-list", { label: "instance" }, "anything", undefined],
    ["allows a target the allow-list names", { label: "instance", allow: "web-*" }, "web-1", undefined],
    [
      "allows a target one of several globs names",
      { label: "instance", allow: ["db-*", "web-*"] },
      "web-9",
      undefined,
    ],
    [
      "refuses an alert without the target label, naming the label",
      { label: "instance", allow: "web-*" },
      undefined,
      'target not allowed: the alert has no usable "instance" label',
    ],
    [
      "refuses an alert whose label does not match the pattern, naming the pattern",
      { label: "instance", pattern: "^(web-[0-9]+)", allow: "web-*" },
      undefined,
      'target not allowed: the alert has no usable "instance" label matching ^(web-[0-9]+)',
    ],
    [
      "refuses a target outside the allow-list, listing it",
      { label: "instance", allow: ["web-*", "api-*"] },
      "db-1",
      "target not allowed: db-1 is not in nginx-down's allow-list (web-*, api-*)",
    ],
    [
      "refuses a target a negated glob excludes",
      { label: "instance", allow: ["pg-*", "!pg-*-primary*"] },
      "pg-1-primary",
      "target not allowed: pg-1-primary is not in nginx-down's allow-list (pg-*, !pg-*-primary*)",
    ],
  ])("%s", (_case, target, value, reason) => {
    const verdict = targetAllowed(context({ runbook: runbook({ target }), target: value }));
    if (reason === undefined) expect(verdict).toEqual({ allow: true });
    else expect(verdict).toEqual({ allow: false, guard: "target_not_allowed", reason });
  });
});

describe("targetAllowed with an oversized target", () => {
  it("refuses a target longer than MAX_TARGET_CHARS, even when the allow-list's glob matches it", () => {
    const target = `web-${"a".repeat(MAX_TARGET_CHARS)}`;
    expect(
      targetAllowed(context({ runbook: runbook({ target: { label: "instance", allow: "web-*" } }), target })),
    ).toEqual({
      allow: false,
      guard: "target_not_allowed",
      reason: `target not allowed: the "instance" target is ${MAX_TARGET_CHARS + 4} characters long (limit 1024)`,
    });
  });

  it("allows a target of exactly MAX_TARGET_CHARS", () => {
    const target = "a".repeat(MAX_TARGET_CHARS);
    expect(targetAllowed(context({ runbook: runbook({ target: { label: "instance" } }), target }))).toEqual({
      allow: true,
    });
  });
});
