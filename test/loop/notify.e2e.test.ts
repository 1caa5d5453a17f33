// The bridge's own notifications, end to end on loopback: a real Alertmanager notifying the
// bridge (startBridge against the GitHub API emulator), loopback Slack and PagerDuty receivers
// (the PagerDuty one checks each Events API v2 body as PagerDuty documents it), GitHub's side
// played by signed deliveries of real webhook payloads.
//  - mode: notify → one Slack post and one PagerDuty trigger (after a 500, retried); the alert
//    resolves → the incident is resolved with the same dedup_key; nothing reaches GitHub.
//  - two failed runs open a breaker → one issue in the emulator and one PagerDuty trigger for the
//    breaker; an operator's reset → the issue commented on and closed, the incident resolved.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AM_TOKEN,
  type AuditEventRow,
  bridgeEnv,
  type ExecutionRow,
  type InProcessBridge,
  postWebhook,
  startInProcessBridge,
  webhookBody,
} from "../e2e/support.js";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { type AlertmanagerCluster, startAlertmanagerCluster } from "../harness/alertmanager.js";
import { type NotificationReceivers, startNotificationReceivers } from "../harness/notification-receivers.js";
import { waitUntil } from "../harness/ports.js";
import { deliver, workflowRunPayload } from "./github-webhooks.js";

const SECRET = "notify-e2e-webhook-secret";
const API_TOKEN = "notify-e2e-api-token";
const ROUTING_KEY = "e2eR0utingKey0123456789abcdefABC";
const RUNBOOKS = fileURLToPath(new URL("./notify-runbooks", import.meta.url));

let gh: GitHubEmulator;
let receivers: NotificationReceivers;
let am: AlertmanagerCluster;
let bridge: InProcessBridge;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "runbridge-notify-"));
  gh = await createGitHubEmulator();
  gh.state.setEnvironment("cache-remediation", { reviewers: [] });
  receivers = await startNotificationReceivers();
  bridge = await startInProcessBridge(
    bridgeEnv({
      port: 0,
      dbFile: join(dir, "bridge.db"),
      runbooks: RUNBOOKS,
      githubUrl: gh.url,
      extra: {
        GITHUB_WEBHOOK_SECRET: SECRET,
        RUNBRIDGE_API_TOKEN: API_TOKEN,
        RUNBRIDGE_RECONCILE_INTERVAL: "1h",
        RUNBRIDGE_PAGERDUTY_EVENTS_URL: receivers.pagerDutyUrl,
        NOTIFY_SLACK_URL: receivers.slackUrl,
        NOTIFY_PD_KEY: ROUTING_KEY,
      },
    }),
  );
  am = await startAlertmanagerCluster({
    webhookUrl: `${bridge.url}/webhook/alertmanager`,
    authorization: { type: "Bearer", credentials: AM_TOKEN },
  });
}, 60_000);
afterAll(async () => {
  await am?.close();
  await bridge?.close();
  await receivers?.close();
  expect(gh.violations).toEqual([]);
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${bridge.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json", ...init.headers },
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}
const executions = async (runbook: string) =>
  (await api<{ executions: ExecutionRow[] }>(`/api/executions?runbook=${runbook}&n=50`)).executions;
const audit = async (kind: string) =>
  (await api<{ events: AuditEventRow[] }>(`/api/audit?kind=${kind}&n=1000`)).events;

const triggers = (dedupKey: string) =>
  receivers
    .accepted("/v2/enqueue")
    .filter((request) => request.body.event_action === "trigger" && request.body.dedup_key === dedupKey);
const resolves = (dedupKey: string) =>
  receivers
    .accepted("/v2/enqueue")
    .filter((request) => request.body.event_action === "resolve" && request.body.dedup_key === dedupKey);

describe("notifications from the bridge, end to end", () => {
  it("mode notify: one Slack post and one PagerDuty trigger (a 500 retried), resolved with the alert, nothing dispatched", async () => {
    receivers.failNext("/v2/enqueue", 500);
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const labels = { alertname: "DiskAlmostFull", instance: "db-7:9100", severity: "critical" };
    await am.postAlerts([{ labels, startsAt, generatorURL: "http://prometheus.example/graph?g0.expr=disk" }]);

    const execution = await waitUntil(
      async () => (await executions("disk-notify")).find((row) => row.state === "notified"),
      { what: "the notify execution notified", timeoutMs: 20_000 },
    );
    await waitUntil(
      () => receivers.accepted("/v2/enqueue").length === 1 && receivers.accepted("/slack").length === 1,
      {
        what: "one Slack post and one PagerDuty trigger",
        timeoutMs: 10_000,
      },
    );
    const [trigger] = receivers.accepted("/v2/enqueue");
    expect(
      receivers.received.filter((request) => request.path === "/v2/enqueue").map((r) => r.status),
    ).toEqual([500, 202]);
    expect(trigger?.problems).toEqual([]);
    expect(trigger?.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      payload: {
        summary: "disk-notify on db-7: DiskAlmostFull (critical) is firing",
        source: "db-7",
        severity: "critical",
        component: "disk-notify",
        class: "DiskAlmostFull",
      },
      links: [
        { href: "http://prometheus.example/graph?g0.expr=disk", text: "Alert source" },
        { href: expect.stringMatching(/\/#\/silences\/new\?filter=/), text: "Silence in Alertmanager" },
      ],
    });
    // The silence link opens the notifying Alertmanager's form with this alert's labels.
    const links = (trigger?.body.links ?? []) as { href: string }[];
    const silence = new URL(String(links[1]?.href).replace("/#/", "/"));
    expect(silence.origin).toBe(am.members[0]?.url);
    expect(silence.searchParams.get("filter")).toBe(
      '{alertname="DiskAlmostFull",instance="db-7:9100",severity="critical"}',
    );
    const incident = String(trigger?.body.dedup_key);
    expect(incident).toMatch(/^runbridge\/[0-9a-f]{16}@/);
    const slack = String(receivers.accepted("/slack")[0]?.body.text);
    expect(slack).toContain("*Runbridge:* disk-notify on `db-7`: `DiskAlmostFull` (`critical`) is firing");
    expect(slack).toContain("Owner: @acme/storage");
    expect(slack).toContain(`Silence: ${am.members[0]?.url}/#/silences/new?filter=`);
    expect(execution.reason).toMatch(/^notified: /);

    await am.postAlerts([{ labels, startsAt, endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    await waitUntil(() => resolves(incident).length === 1 && receivers.accepted("/slack").length === 2, {
      what: "the incident resolved and a resolved note posted",
      timeoutMs: 20_000,
    });
    expect(resolves(incident)[0]?.problems).toEqual([]);
    expect(receivers.accepted("/slack")[1]?.body.text).toMatch(/DiskAlmostFull` resolved at /);
    // Once each, nothing dispatched: no run and no issue on GitHub.
    expect(triggers(incident)).toHaveLength(1);
    expect(gh.runs()).toEqual([]);
    expect(gh.state.issues).toEqual([]);
    expect(await audit("notification.retry")).toHaveLength(1);
    // Counted by channel and outcome, as committed.
    const metrics = await bridge.bridge.metrics.render();
    const count = (channel: string, outcome: string) =>
      Number(
        metrics.match(
          new RegExp(
            `^runbridge_notifications_total\\{channel="${channel}",outcome="${outcome}"\\} (\\d+)$`,
            "m",
          ),
        )?.[1],
      );
    expect([count("pagerduty", "retried"), count("pagerduty", "sent"), count("slack", "sent")]).toEqual([
      1, 2, 2,
    ]);
    expect(count("pagerduty", "failed")).toBe(0);
  });

  it("a breaker opening: one issue and one PagerDuty trigger; the reset closes the issue and resolves the incident", async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    for (const [n, instance] of ["cache-1", "cache-2"].entries()) {
      const alert = {
        labels: { alertname: "CacheStale", instance: `${instance}:80`, severity: "warning" },
        startsAt,
        fingerprint: `ca${String(n).padStart(14, "0")}`,
      };
      const { executions: decided } = await postWebhook(bridge.url, webhookBody([alert]));
      const id = decided[0]?.id as string;
      const dispatched = await waitUntil(
        async () => (await executions("cache-flush")).find((row) => row.id === id && row.runId !== null),
        { what: `execution ${id} dispatched` },
      );
      const runId = dispatched.runId as number;
      const displayTitle = gh.runs().find((run) => run.id === runId)?.displayTitle;
      gh.setRunStatus(runId, "completed", "failure");
      const answer = await deliver(
        bridge.url,
        "workflow_run",
        workflowRunPayload({ runId, status: "completed", conclusion: "failure", displayTitle }),
        SECRET,
      );
      expect(answer.status).toBe(200);
    }
    const breaker = "runbridge/breaker/runbook:cache-flush";
    await waitUntil(() => triggers(breaker).length === 1 && gh.state.issues.length === 1, {
      what: "the breaker's issue and page",
      timeoutMs: 20_000,
    });
    const [issue] = gh.state.issues;
    expect(issue).toMatchObject({
      title: "Circuit breaker open: runbook:cache-flush",
      labels: ["breaker"],
      state: "open",
    });
    expect(issue?.body).toContain("Last failures:");
    expect(issue?.body).toContain("POST /api/breakers/runbook%3Acache-flush/reset");
    expect(issue?.body?.match(/ failed: /g)).toHaveLength(2);
    expect(triggers(breaker)[0]?.problems).toEqual([]);
    expect(triggers(breaker)[0]?.body.payload).toMatchObject({
      severity: "critical",
      class: "circuit-breaker",
    });
    // Warnings: each failed run told Slack only; the breaker told Slack once more.
    await waitUntil(() => receivers.accepted("/slack").length === 2 + 3, { what: "the Slack posts" });

    await api("/api/breakers/runbook:cache-flush/reset", { method: "POST", body: "{}" });
    await waitUntil(() => resolves(breaker).length === 1 && issue?.state === "closed", {
      what: "the breaker's issue closed and its incident resolved",
      timeoutMs: 20_000,
    });
    expect(issue?.comments.map((comment) => comment.body)).toEqual([
      expect.stringMatching(/^\*\*circuit breaker `runbook:cache-flush` closed: automation resumes\*\*/),
    ]);
    // Once per opening, never a flood.
    expect(triggers(breaker)).toHaveLength(1);
    expect(gh.state.issues).toHaveLength(1);
    expect(await audit("notification.failed")).toEqual([]);
  });
});
