import { describe, expect, it } from "vitest";
import { issueText } from "./issue-text.js";
import { planReviewIssues, postIncidentReviewNotice, REVIEW_TOPIC, reviewTitle } from "./review-notice.js";
import { renderTimeline, TIMELINE_MAX_LINES, type TimelineEvent } from "./timeline.js";

const T0 = Date.parse("2026-12-06T02:00:00.000Z");
const event = (id: number, seconds: number, kind: string, message: string): TimelineEvent => ({
  id,
  at: T0 + seconds * 1_000,
  kind,
  message,
});

describe("renderTimeline", () => {
  it("tells the story oldest first from the alert's start, leaving out notification bookkeeping", () => {
    const events = [
      event(6, 300, "execution.state", "running → failed: run 7 completed with conclusion failure"),
      event(2, 5, "dispatch.sent", "dispatched remediate.yml"),
      event(1, 0, "decision", "dispatching nginx-loop on web-1 via remediate.yml"),
      event(3, 5, "notification.queued", "slack queued: execution.failed"),
      event(4, 60, "notification.attempt", "sending slack (attempt 1)"),
      event(5, 90, "approval.approved", "approved by octocat"),
      event(7, 301, "notification.sent", "slack took it: 200"),
    ];
    expect(renderTimeline(events, { executionId: "ex_1", alertStartsAt: "2026-12-06T01:58:30Z" })).toEqual([
      "- 2026-12-06T01:58:30Z alert started firing",
      "- 2026-12-06T02:00:00Z decision: `dispatching nginx-loop on web-1 via remediate.yml`",
      "- 2026-12-06T02:00:05Z dispatch.sent: `dispatched remediate.yml`",
      "- 2026-12-06T02:01:30Z approval.approved: `approved by octocat`",
      "- 2026-12-06T02:05:00Z execution.state: `running → failed: run 7 completed with conclusion failure`",
      "- 2026-12-06T02:05:01Z notification.sent: `slack took it: 200`",
    ]);
  });

  it("adds each job of the run (a phase) where it was last heard of", () => {
    const lines = renderTimeline(
      [event(1, 0, "decision", "dispatching"), event(2, 60, "execution.state", "→ failed")],
      {
        executionId: "ex_1",
        jobs: [
          { name: "diagnostics", status: "completed", conclusion: "success", updatedAt: T0 + 20_000 },
          { name: "remediate", status: "completed", conclusion: "failure", updatedAt: T0 + 60_000 },
          { name: "notify", status: "in_progress", conclusion: null, updatedAt: T0 + 61_000 },
        ],
      },
    );
    expect(lines).toEqual([
      "- 2026-12-06T02:00:00Z decision: `dispatching`",
      "- 2026-12-06T02:00:20Z job diagnostics: `completed (success)`",
      "- 2026-12-06T02:01:00Z execution.state: `→ failed`",
      "- 2026-12-06T02:01:00Z job remediate: `completed (failure)`",
      "- 2026-12-06T02:01:01Z job notify: `in_progress`",
    ]);
  });

  it("keeps events of the same millisecond in the order they were written", () => {
    const lines = renderTimeline([event(9, 0, "b", "second"), event(8, 0, "a", "first")], {
      executionId: "ex_1",
    });
    expect(lines).toEqual(["- 2026-12-06T02:00:00Z a: `first`", "- 2026-12-06T02:00:00Z b: `second`"]);
  });

  it("shows alert-derived text as one inert line: no mention, link, heading or fence escapes", () => {
    const [line] = renderTimeline(
      [event(1, 0, "decision", "target `web-1`\n# @everyone [click](https://evil.example)\n```")],
      { executionId: "ex_1", alertStartsAt: "not a date" },
    );
    expect(line).toBe(
      "- 2026-12-06T02:00:00Z decision: `target 'web-1' # @everyone [click](https://evil.example) '''`",
    );
  });

  it("cuts the middle of a long trail, keeping its start and end and saying where the rest is", () => {
    const events = Array.from({ length: 200 }, (_, i) => event(i + 1, i, "execution.state", `step ${i}`));
    const lines = renderTimeline(events, { executionId: "ex_1", alertStartsAt: "2026-12-06T01:59:00Z" });
    expect(lines).toHaveLength(TIMELINE_MAX_LINES);
    expect(lines[0]).toBe("- 2026-12-06T01:59:00Z alert started firing");
    expect(lines[TIMELINE_MAX_LINES / 2]).toBe(
      "- … 142 more events: the whole trail is GET /api/executions/ex_1 on the bridge",
    );
    expect(lines.at(-1)).toBe("- 2026-12-06T02:03:19Z execution.state: `step 199`");
  });
});

describe("the post-incident review", () => {
  const execution = {
    id: "ex_1",
    alertname: "NginxDown",
    severity: "critical",
    target: "web-1 @ops",
    state: "not_cleared" as const,
    reason: "not_cleared: still firing 10m after the run",
    runUrl: "https://github.com/acme/ops/actions/runs/7",
    alert: { labels: { alertname: "NginxDown" } },
  };
  const message = postIncidentReviewNotice(execution, "nginx-loop", ["- line one"]);

  it("says the outcome, the run, the timeline and the checklist", () => {
    const body = issueText(message);
    expect(message.headline).toBe(
      "Post-incident review: nginx-loop on `web-1 @ops`, `NginxDown` (`critical`) ended not_cleared",
    );
    expect(body).toContain("Outcome: not_cleared: still firing 10m after the run");
    expect(body).toContain("Run: https://github.com/acme/ops/actions/runs/7");
    expect(body).toContain("### Timeline\n\n- line one");
    expect(body).toContain("- [ ] Root cause: why did the alert's condition occur?");
    expect(reviewTitle(execution, "nginx-loop")).toBe(
      "Post-incident review: nginx-loop on web-1 @ops (not_cleared)",
    );
  });

  it("opens one issue per issue channel whose severities include the execution's, whatever its when", () => {
    const planned = planReviewIssues(
      [
        { when: "success", slack: { webhookSecret: "S" } },
        { when: "success", issue: { labels: ["ops"], assignees: ["oncall"], severities: ["critical"] } },
        { when: "failure", issue: { labels: [], assignees: [], severities: ["warning"] } },
      ],
      execution,
      "nginx-loop",
      message,
    );
    expect(planned).toEqual([
      {
        dedupKey: "execution:ex_1:review/issue#1",
        channel: "issue",
        topic: REVIEW_TOPIC,
        executionId: "ex_1",
        breakerKey: null,
        runbook: "nginx-loop",
        thread: "execution:ex_1:review/issue#1",
        request: {
          channel: "issue",
          action: "open",
          title: "Post-incident review: nginx-loop on web-1 @ops (not_cleared)",
          body: issueText(message),
          labels: ["ops", "runbridge", "post-incident-review"],
          assignees: ["oncall"],
          mayOpen: true,
        },
      },
    ]);
  });
});
