import { describe, expect, it } from "vitest";
import { breakerOpenedNotice, silenceLink } from "./bridge-notices.js";

describe("silenceLink", () => {
  it("opens Alertmanager's new-silence form with the alert's labels as matchers", () => {
    const link = silenceLink("http://am.example:9093/", { severity: "critical", alertname: "Down" });
    expect(link).toBe(
      `http://am.example:9093/#/silences/new?filter=${encodeURIComponent('{alertname="Down",severity="critical"}')}`,
    );
  });

  it("keeps untrusted label values inside the encoded query", () => {
    const link = silenceLink("https://am.example", { alertname: 'x"} <!channel> [a](http://evil)' }) ?? "";
    expect(link).not.toMatch(/[<>\s[\]"]/);
    expect(decodeURIComponent(link.split("filter=")[1] ?? "")).toBe(
      '{alertname="x\\"} <!channel> [a](http://evil)"}',
    );
  });

  it("gives no link without an http(s) Alertmanager URL", () => {
    expect(silenceLink(undefined, { alertname: "Down" })).toBeUndefined();
    expect(silenceLink("javascript:alert(1)", { alertname: "Down" })).toBeUndefined();
  });
});

describe("breakerOpenedNotice", () => {
  it("lists the last failures with reasons and run links, and how to reset; a key with a target is inline code", () => {
    const message = breakerOpenedNotice(
      "target:web:@team",
      "2 failures within 1h",
      [
        {
          executionId: "ex_2",
          at: Date.parse("2025-06-02T12:05:00Z"),
          state: "failed",
          reason: "failed: run concluded failure",
          runUrl: "https://github.com/acme/infra/actions/runs/2",
        },
        {
          executionId: "ex_1",
          at: Date.parse("2025-06-02T12:00:00Z"),
          state: null,
          reason: null,
          runUrl: null,
        },
      ],
      "POST /api/breakers/x/reset",
    );
    expect(message).toEqual({
      headline: "circuit breaker `target:web:@team` opened: automation for it is held back",
      details: [
        "Why: 2 failures within 1h",
        "Last failures:\n- 2025-06-02T12:05:00.000Z ex_2 failed: run concluded failure — https://github.com/acme/infra/actions/runs/2\n- 2025-06-02T12:00:00.000Z ex_1 (pruned)",
        "To reset once the cause is fixed: POST /api/breakers/x/reset",
      ],
    });
  });
});
