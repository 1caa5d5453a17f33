import { describe, expect, it } from "vitest";
import {
  diagnosticsArtifactName,
  diagnosticsLines,
  SUMMARY_MAX_LINES,
  withDiagnostics,
} from "./diagnostics-summary.js";
import type { NotificationRequest } from "./request.js";

const found = (summary: string | undefined, artifactUrl?: string) =>
  ({ kind: "found", summary, artifactUrl }) as const;

describe("diagnosticsLines", () => {
  it("shows each summary line as inert code, then the report's link", () => {
    expect(
      diagnosticsLines(found("disk: passed — 91% used\n\n  nginx: failed — `x` @ops  \n", "https://r/1")),
    ).toEqual([
      "Diagnostics summary:\n- `disk: passed — 91% used`\n- `nginx: failed — 'x' @ops`",
      "Diagnostics report: https://r/1",
    ]);
  });

  it("keeps the first lines and says how many more the report has", () => {
    const summary = Array.from({ length: SUMMARY_MAX_LINES + 3 }, (_, i) => `step ${i}: passed`).join("\n");
    const [lines] = diagnosticsLines(found(summary));
    expect(lines?.split("\n")).toHaveLength(1 + SUMMARY_MAX_LINES + 1);
    expect(lines?.split("\n").at(-1)).toBe("- … 3 more lines in the report");
  });

  it("says so when the job left no summary, or why nothing was found", () => {
    expect(diagnosticsLines(found(undefined))).toEqual([
      "Diagnostics summary: (the diagnostics job left none)",
    ]);
    expect(diagnosticsLines({ kind: "none", why: "the run has no diagnostics job" })).toEqual([
      "Diagnostics: the run has no diagnostics job",
    ]);
  });

  it("names the artifact as remediate.yml uploads it", () => {
    expect(diagnosticsArtifactName("ex_01")).toBe("diagnostics-ex_01");
  });
});

describe("withDiagnostics", () => {
  const summary = found("nginx: failed — <!here>");
  it("appends to Slack escaped, to an issue as paragraphs, to PagerDuty as a custom detail", () => {
    const slack: NotificationRequest = {
      channel: "slack",
      webhookSecret: "S",
      text: "*Runbridge:* it failed",
    };
    expect(withDiagnostics(slack, summary)).toEqual({
      ...slack,
      text: "*Runbridge:* it failed\nDiagnostics summary:\n- `nginx: failed — &lt;!here&gt;`",
    });
    const issue: NotificationRequest = {
      channel: "issue",
      action: "open",
      title: "t",
      body: "**it failed**",
      labels: [],
      assignees: [],
      mayOpen: true,
    };
    expect(withDiagnostics(issue, summary)).toMatchObject({
      body: "**it failed**\n\nDiagnostics summary:\n- `nginx: failed — <!here>`",
    });
    const page: NotificationRequest = {
      channel: "pagerduty",
      routingKeySecret: "K",
      event: {
        event_action: "trigger",
        dedup_key: "d",
        payload: { summary: "s", source: "web-1", severity: "critical", custom_details: { details: ["a"] } },
      },
    };
    expect(withDiagnostics(page, summary)).toMatchObject({
      event: {
        payload: {
          custom_details: {
            details: ["a"],
            diagnostics: ["Diagnostics summary:\n- `nginx: failed — <!here>`"],
          },
        },
      },
    });
  });
});
