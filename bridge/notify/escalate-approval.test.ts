import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runbook as resolvedRunbook } from "../../test/fixtures/guards/context.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../test/harness/webhook-receiver.js";
import { type LoopHarness, startLoopHarness } from "../../test/loop/harness.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import type { Notification } from "../runbooks/runbook.types.js";
import type { Execution } from "../store/executions.js";
import { escalateApproval, escalationMessage } from "./escalate-approval.js";
import { issueText } from "./issue-text.js";
import { slackText } from "./slack-text.js";

const MINUTE = 60_000;

let h: LoopHarness;
let slack: WebhookReceiver;
let execution: Execution;
let runbook: ResolvedRunbook;

beforeEach(async () => {
  h = await startLoopHarness();
  slack = await startWebhookReceiver("/hooks/escalations");
  execution = await h.dispatched({ state: "awaiting_approval", awaitingSince: h.clock.now });
  runbook = h.runbooks.set?.index.byName.get("nginx-loop")?.runbook as ResolvedRunbook;
});
afterEach(async () => {
  expect(h.gh.violations).toEqual([]);
  await slack.close();
  await h.close();
});

/** The loop runbook with other notify entries, written as in a runbook file. */
const withNotify = (notify: Notification[]): ResolvedRunbook => ({
  ...runbook,
  notify: resolvedRunbook({ notify }).notify,
});
const secrets =
  (values: Record<string, string>) =>
  (name: string): string | undefined =>
    values[name];

describe("escalationMessage", () => {
  it("names the runbook, target, alert, wait, environment and the run link", () => {
    expect(escalationMessage(execution, runbook, 42 * MINUTE)).toEqual({
      headline:
        "nginx-loop on `web-1` (`NginxDown`, `critical`) has waited 42m for approval in environment remediation-production; approve or reject it",
      details: [`Run: ${execution.runUrl}`],
    });
  });

  it("for an approval the bridge holds, says where to answer instead of naming an environment", () => {
    const held = { ...execution, runId: null, runUrl: null, approvalHeldAt: h.clock.now, approvalIssue: 7 };
    expect(escalationMessage(held, runbook, 42 * MINUTE)).toEqual({
      headline:
        "nginx-loop on `web-1` (`NginxDown`, `critical`) has waited 42m for approval held by Runbridge; comment /approve or /reject <why> in issue #7",
      details: [],
    });
  });
});

describe("escalateApproval", () => {
  it("posts to the Slack webhook named by the secret and opens a GitHub issue with the labels", async () => {
    const result = await escalateApproval(
      { api: h.api, secret: secrets({ LOOP_SLACK_WEBHOOK_URL: slack.url }) },
      execution,
      runbook,
      31 * MINUTE,
    );
    expect(result).toEqual({ sent: ["slack", "issue #1"], failed: [] });
    expect(slack.received).toHaveLength(1);
    expect(slack.received[0]?.headers["content-type"]).toBe("application/json");
    const message = escalationMessage(execution, runbook, 31 * MINUTE);
    expect(slack.received[0]?.body).toEqual({ text: slackText(message) });
    expect(h.gh.state.issues).toMatchObject([
      {
        owner: "acme",
        repo: "infra",
        title: "Approval waiting: nginx-loop on web-1",
        body: issueText(message),
        labels: ["incident", "approval"],
      },
    ]);
  });

  it("escapes alert text for Slack: a label value cannot ping a channel or forge a link", async () => {
    await escalateApproval(
      { secret: secrets({ LOOP_SLACK_WEBHOOK_URL: slack.url }) },
      { ...execution, target: "<!channel>", alertname: "Down & <https://evil.example|docs>" },
      withNotify([{ slack: { webhookSecret: "LOOP_SLACK_WEBHOOK_URL" } }]),
      MINUTE,
    );
    const text = (slack.received[0]?.body as unknown as { text: string } | undefined)?.text;
    expect(text).toContain(
      "nginx-loop on `&lt;!channel&gt;` (`Down &amp; &lt;https://evil.example|docs&gt;`, `critical`)",
    );
    expect(text).not.toMatch(/<!channel>|<https:/);
  });

  it("opens no issue for a channel whose severities list is empty", async () => {
    const result = await escalateApproval(
      { api: h.api, secret: secrets({}) },
      execution,
      withNotify([{ issue: { labels: ["incident"], severities: [] } }]),
      MINUTE,
    );
    expect(result).toEqual({ sent: [], failed: [] });
    expect(h.gh.state.issues).toEqual([]);
  });

  it("reports what failed: a missing secret, a webhook answering 500, no GitHub credentials", async () => {
    const failing: Server = createServer((_req, res) => res.writeHead(500).end("boom"));
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/hook`;
      const twoSlacks = withNotify([
        { slack: { webhookSecret: "UNSET_SECRET" } },
        { slack: { webhookSecret: "FAILING_HOOK" } },
        { issue: { labels: [] } },
      ]);
      const result = await escalateApproval(
        { secret: secrets({ FAILING_HOOK: url }) },
        execution,
        twoSlacks,
        MINUTE,
      );
      expect(result).toEqual({
        sent: [],
        failed: [
          "slack: set UNSET_SECRET in the bridge's environment",
          "slack: webhook answered 500",
          "issue: no GitHub credentials",
        ],
      });
    } finally {
      failing.close();
    }
  });

  it("skips channels meant only for success, and issue channels for other severities", async () => {
    const result = await escalateApproval(
      { api: h.api, secret: secrets({ LOOP_SLACK_WEBHOOK_URL: slack.url }) },
      { ...execution, severity: "warning" },
      withNotify([
        { when: "success", slack: { webhookSecret: "LOOP_SLACK_WEBHOOK_URL" } },
        { issue: { labels: ["incident"], severities: ["critical"] } },
        { when: "failure", slack: { webhookSecret: "LOOP_SLACK_WEBHOOK_URL" } },
      ]),
      MINUTE,
    );
    expect(result).toEqual({ sent: ["slack"], failed: [] });
    expect(h.gh.state.issues).toEqual([]);
  });

  it("never opens a second issue when GitHub's answer is lost (no retried POST)", async () => {
    h.gh.faults.push({ operationId: "issues/create", times: 1, status: 502, afterHandler: true });
    const result = await escalateApproval(
      { api: h.api, secret: secrets({}) },
      execution,
      withNotify([{ issue: { labels: ["incident"] } }]),
      MINUTE,
    );
    expect(result.sent).toEqual([]);
    expect(result.failed).toEqual([expect.stringMatching(/^issue: /)]);
    expect(h.gh.state.issues).toHaveLength(1);
  });
});
