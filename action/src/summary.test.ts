import { describe, expect, it } from "vitest";
import { renderSummary } from "./summary.js";

describe("job summary", () => {
  it("shows each step with result, duration and escaped output tail", () => {
    const html = renderSummary({
      phase: "verify",
      runbook: "nginx-down",
      target: "<script>",
      executionId: "exec-1",
      verdict: "verify failed",
      results: [
        {
          name: "a <b>",
          kind: "run",
          status: "passed",
          continued: false,
          attempts: 1,
          durationMs: 1200,
          output: "ok",
        },
        {
          name: "b",
          kind: "http",
          status: "failed",
          continued: false,
          attempts: 3,
          durationMs: 61_000,
          output: Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n"),
          reason: 'step "b" (http) failed after 3 attempts: HTTP 503',
        },
      ],
    });
    expect(html).toContain("<td>a &#60;b&#62;</td><td>✅ passed</td><td>1s</td>");
    expect(html).toContain("<td>❌ failed</td><td>1m1s</td>");
    expect(html).toContain("step &#34;b&#34; (http) failed after 3 attempts");
    expect(html).toContain("line 29");
    expect(html).not.toContain("line 19\n");
    expect(html).not.toContain("<script>");
  });
});
