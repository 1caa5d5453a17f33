import { describe, expect, it } from "vitest";
import type { ResolvedNotification } from "../runbooks/resolved-runbook.js";
import {
  type Occasion,
  pagerDutyDedupKey,
  pagerDutySeverity,
  planFollowUps,
  planNotifications,
} from "./plan.js";

const slack = (when: ResolvedNotification["when"] = "always"): ResolvedNotification => ({
  when,
  slack: { webhookSecret: "HOOK" },
});
const issue = (severities = ["critical"]): ResolvedNotification => ({
  when: "always",
  issue: { labels: ["incident"], assignees: ["oncall"], severities },
});
const pager = (severities = ["critical"]): ResolvedNotification => ({
  when: "always",
  pagerduty: { routingKeySecret: "PD_KEY", severities },
});

const occasion = (over: Partial<Occasion> = {}): Occasion => ({
  key: "execution:e1:notify",
  topic: "execution.notify",
  about: { executionId: "e1", runbook: "disk" },
  thread: "execution:e1",
  success: false,
  severity: "critical",
  message: { headline: "disk on `db-1`: `Down & <!channel>` is firing", details: ["Owner: @acme"] },
  issueTitle: "disk on db-1",
  pagerduty: { dedupKey: "runbridge/f1@2025", source: "db-1" },
  ...over,
});

describe("planNotifications", () => {
  it("queues one row per channel, each with its own dedup key and thread", () => {
    const rows = planNotifications([slack(), issue(), pager()], occasion());
    expect(rows.map((row) => [row.dedupKey, row.thread])).toEqual([
      ["execution:e1:notify/slack#0", "execution:e1/slack#0"],
      ["execution:e1:notify/issue#1", "execution:e1/issue#1"],
      ["execution:e1:notify/pagerduty#2", "execution:e1/pagerduty#2"],
    ]);
  });

  it("escapes alert text for Slack: a label value cannot ping a channel or forge a link", () => {
    const [row] = planNotifications([slack()], occasion());
    expect(row?.request).toEqual({
      channel: "slack",
      webhookSecret: "HOOK",
      text: "*Runbridge:* disk on `db-1`: `Down &amp; &lt;!channel&gt;` is firing\nOwner: @acme",
    });
  });

  it("sends PagerDuty an Events v2 trigger: plain summary, mapped severity, the occasion's dedup_key", () => {
    const [row] = planNotifications([pager(["warning"])], occasion({ severity: "warning" }));
    expect(row?.request).toMatchObject({
      channel: "pagerduty",
      routingKeySecret: "PD_KEY",
      event: {
        event_action: "trigger",
        dedup_key: "runbridge/f1@2025",
        payload: {
          summary: "disk on db-1: Down & <!channel> is firing",
          source: "db-1",
          severity: "warning",
        },
        client: "Runbridge",
      },
    });
  });

  it.each<[string, ResolvedNotification[], Partial<Occasion>, string[]]>([
    ["bad news skips channels meant only for success", [slack("success"), slack("failure")], {}, ["slack"]],
    ["good news skips channels meant only for failures", [slack("failure")], { success: true }, []],
    ["issues and pages only for their severities", [issue(), pager()], { severity: "warning" }, []],
    ["an empty severities list opens and pages for none", [issue([]), pager([])], {}, []],
    [
      "a breaker opening reaches every channel whatever its severities",
      [issue([]), pager([])],
      { everySeverity: true, severity: "none" },
      ["issue", "pagerduty"],
    ],
  ])("%s", (_, channels, over, expected) => {
    expect(planNotifications(channels, occasion(over)).map((row) => row.channel)).toEqual(expected);
  });
});

describe("planFollowUps", () => {
  it("resolves the same incident, tells the same webhook, closes the same issue; nothing for a failed opening", () => {
    const opened = planNotifications([slack(), issue(), pager()], occasion()).map((row, index) => ({
      ...row,
      state: index === 0 ? "failed" : "sent",
    }));
    const followUps = planFollowUps(opened, {
      key: "execution:e1:resolved",
      topic: "execution.resolved",
      message: { headline: "resolved", details: [] },
      issueAction: "close",
    });
    expect(followUps.map((row) => [row.dedupKey, row.thread, row.request])).toEqual([
      [
        "execution:e1:resolved/issue#1",
        "execution:e1/issue#1",
        {
          channel: "issue",
          action: "close",
          title: "disk on db-1",
          body: "**resolved**",
          labels: ["incident"],
          assignees: ["oncall"],
          mayOpen: false,
        },
      ],
      [
        "execution:e1:resolved/pagerduty#2",
        "execution:e1/pagerduty#2",
        {
          channel: "pagerduty",
          routingKeySecret: "PD_KEY",
          event: { event_action: "resolve", dedup_key: "runbridge/f1@2025" },
        },
      ],
    ]);
  });
});

describe("PagerDuty's limits", () => {
  it("keeps dedup keys up to 255 characters, hashing a longer one the same way every time", () => {
    expect(pagerDutyDedupKey("runbridge/breaker/global")).toBe("runbridge/breaker/global");
    const long = `runbridge/breaker/target:web:${"x".repeat(300)}`;
    expect(pagerDutyDedupKey(long)).toMatch(/^runbridge\/sha256\/[0-9a-f]{64}$/);
    expect(pagerDutyDedupKey(long)).toBe(pagerDutyDedupKey(long));
  });

  it.each([
    ["critical", "critical"],
    ["page", "critical"],
    ["high", "error"],
    ["warning", "warning"],
    ["none", "info"],
  ])("maps severity %s to %s", (severity, mapped) => {
    expect(pagerDutySeverity(severity)).toBe(mapped);
  });
});
