import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../store/audit.js";
import { eventMatches, parseEventFilter } from "./events.js";

function event(kind: string, alertname: string | null = "NginxDown"): AuditEvent {
  return {
    id: 1,
    at: 0,
    kind,
    alertname,
    executionId: null,
    runbook: null,
    target: null,
    message: "",
    data: null,
  };
}

describe("event filters", () => {
  it.each([
    [undefined, undefined, "decision.pending", "NginxDown", true],
    ["decision.*", undefined, "decision.suppressed", "NginxDown", true],
    ["decision.*", undefined, "dispatch.failed", "NginxDown", false],
    ["dispatch.failed,kill_switch", undefined, "kill_switch", null, true],
    ["dispatch.failed", undefined, "dispatch.failed_later", "NginxDown", false],
    [undefined, "NginxDown,DbDown", "duplicate", "DbDown", true],
    [undefined, "NginxDown", "kill_switch", null, false],
    ["decision.*", "NginxDown", "decision.pending", "DbDown", false],
  ])("kind=%s alertname=%s lets %s of %s through: %s", (kind, alertname, eventKind, eventAlert, expected) => {
    expect(eventMatches(parseEventFilter(kind, alertname), event(eventKind, eventAlert))).toBe(expected);
  });

  it("refuses a kind that is not a kind name, naming it", () => {
    expect(() => parseEventFilter("decision.*,<script>", undefined)).toThrow(HTTPException);
    expect(() => parseEventFilter("a*b", undefined)).toThrow(/"a\*b" is not a kind/);
  });
});
