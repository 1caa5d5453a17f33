// Verified outcome, for real: Debian `prometheus` scrapes loopback targets with alert rules and
// sends to Debian `prometheus-alertmanager`, which posts to the bridge through a relay the test can
// cut; the bridge dispatches to the GitHub API emulator, and the run's end reaches the bridge as a
// signed workflow_run delivery (a real @octokit/webhooks-examples payload). Then:
//   - the target recovers → the resolved notification → `verified`, with its times;
//   - two targets stay down → `not_cleared` twice (the bridge asks Alertmanager's API at the
//     deadline) → the runbook's breaker opens and the next alert is suppressed; a person is
//     called (one issue in the emulator, one PagerDuty trigger at a loopback receiver); an
//     operator's reset closes the issue and resolves the incident;
//   - the bridge is down while Alertmanager sends the resolved notification, and it does not get
//     through before the deadline → the API check still ends it `verified`.
// Short timings: 1s scrapes and evaluations, group_interval 1s, outcome.within of seconds.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { type AlertmanagerCluster, startAlertmanagerCluster } from "../harness/alertmanager.js";
import { type NotificationReceivers, startNotificationReceivers } from "../harness/notification-receivers.js";
import { freePort, LOOPBACK, waitUntil } from "../harness/ports.js";
import {
  type MetricsTarget,
  type PrometheusInstance,
  startMetricsTarget,
  startPrometheus,
} from "../harness/prometheus.js";
import { deliver, workflowRunPayload } from "../loop/github-webhooks.js";
import { getJson, type OperatedBridge, startOperatedBridge } from "./start-operated-bridge.js";

const AM_TOKEN = "verified-outcome-am-token";
const API_TOKEN = "verified-outcome-api-token";
const WEBHOOK_SECRET = "verified-outcome-webhook-secret";
const REPOSITORY = "acme/ops";

const ALERT_RULES = `
groups:
  - name: harness
    rules:
      - alert: VerifyTargetDown
        expr: up{job="verify"} == 0
        labels: { severity: critical }
      - alert: StuckTargetDown
        expr: up{job="stuck"} == 0
        labels: { severity: critical }
`;

/** A runbook whose remediation (in the test: the test restarting the target) clears its alert. */
const RESTART_VERIFY = `
name: restart-verify
description: Restart a target whose VerifyTargetDown alert fired
owner: "@acme/sre"
match: { alertname: VerifyTargetDown }
mode: auto
target: { label: instance }
outcome: { within: 20s }
steps:
  remediate: [ { name: restart, run: echo "restart $TARGET" } ]
`;

/** A runbook whose runs pass but never fix anything: two not_cleared open its breaker. */
const RESTART_STUCK = `
name: restart-stuck
description: Restart a target whose StuckTargetDown alert fired (it never helps)
owner: "@acme/sre"
match: { alertname: StuckTargetDown }
mode: auto
target: { label: instance }
outcome: { within: 3s }
guards:
  breaker: { failures: 2, within: 1h, openFor: 30m, scope: runbook }
steps:
  remediate: [ { name: restart, run: echo "restart $TARGET" } ]
notify:
  - pagerduty: { routingKeySecret: STUCK_PD_KEY }
  - issue: { labels: [breaker] }
`;

interface Execution {
  id: string;
  state: string;
  target: string;
  runbook: string;
  reason: string;
  guard: string | null;
  startsAt: string;
  runId: number | null;
  dispatchedAt: number | null;
  finishedAt: number | null;
  verifyBy: number | null;
  clearedAt: number | null;
}

/**
 * Between Alertmanager and the bridge: forwards every notification, or — cut — answers 503 as an
 * unreachable bridge would (Alertmanager retries), remembering what it could not deliver.
 */
interface Relay {
  url: string;
  cut: boolean;
  refused: { status: string; instances: string[] }[];
  close(): Promise<void>;
}

async function startRelay(target: () => string): Promise<Relay> {
  const relay: Relay = { url: "", cut: false, refused: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      if (relay.cut) {
        const parsed = JSON.parse(body.toString("utf8")) as {
          alerts: { status: string; labels: Record<string, string> }[];
        };
        for (const alert of parsed.alerts) {
          relay.refused.push({ status: alert.status, instances: [alert.labels.instance ?? ""] });
        }
        res.writeHead(503).end("bridge unreachable");
        return;
      }
      try {
        const answer = await fetch(`${target()}/webhook/alertmanager`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: req.headers.authorization ?? "",
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  relay.url = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}/webhook/alertmanager`;
  relay.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return relay;
}

describe("verified outcome: Prometheus → Alertmanager → Runbridge → GitHub and back, for real", () => {
  let gh: GitHubEmulator;
  let targets: Record<"fixed" | "stuck1" | "stuck2" | "stuck3" | "lost", MetricsTarget>;
  let bridge: OperatedBridge;
  let relay: Relay;
  let am: AlertmanagerCluster;
  let prometheus: PrometheusInstance;
  let env: Record<string, string>;
  let dir: string;
  let receivers: NotificationReceivers;
  const auth = { headers: { authorization: `Bearer ${API_TOKEN}` } };
  const pages = (action: string, dedupKey: string) =>
    receivers
      .accepted("/v2/enqueue")
      .filter((request) => request.body.event_action === action && request.body.dedup_key === dedupKey);
  const breakerIssues = () =>
    gh.state.issues.filter((issue) => issue.title === "Circuit breaker open: runbook:restart-stuck");

  async function startTheBridge(): Promise<OperatedBridge> {
    return startOperatedBridge({
      runbooks: { "restart-verify.yml": RESTART_VERIFY, "restart-stuck.yml": RESTART_STUCK },
      env,
    });
  }

  beforeAll(async () => {
    gh = await createGitHubEmulator();
    targets = {
      fixed: await startMetricsTarget(),
      stuck1: await startMetricsTarget(),
      stuck2: await startMetricsTarget(),
      stuck3: await startMetricsTarget(),
      lost: await startMetricsTarget(),
    };
    relay = await startRelay(() => bridge.url);
    receivers = await startNotificationReceivers();
    am = await startAlertmanagerCluster({
      webhookUrl: relay.url,
      authorization: { type: "Bearer", credentials: AM_TOKEN },
      sendResolved: true,
    });
    // Fixed port and database, so the bridge can be stopped and started again as the same bridge.
    dir = await mkdtemp(join(tmpdir(), "verified-outcome-"));
    env = {
      PORT: String(await freePort()),
      RUNBRIDGE_DB: join(dir, "runbridge.db"),
      GITHUB_TOKEN: "ghs_verified_outcome",
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_API_URL: gh.url,
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      RUNBRIDGE_DRY_RUN: "false",
      RUNBRIDGE_ALERTMANAGER_TOKEN: AM_TOKEN,
      RUNBRIDGE_API_TOKEN: API_TOKEN,
      ALERTMANAGER_URL: am.members.map((member) => member.url).join(","),
      // Alertmanager's group_interval here is 1s.
      RUNBRIDGE_VERIFY_GRACE: "1s",
      RUNBRIDGE_VERIFY_INTERVAL: "500ms",
      RUNBRIDGE_PAGERDUTY_EVENTS_URL: receivers.pagerDutyUrl,
      STUCK_PD_KEY: "R0UTINGKEY0000000000000000000000",
    };
    bridge = await startTheBridge();
    prometheus = await startPrometheus({
      scrapeTargets: [
        { job: "verify", targets: [targets.fixed.address, targets.lost.address] },
        { job: "stuck", targets: [targets.stuck1.address, targets.stuck2.address, targets.stuck3.address] },
      ],
      rules: ALERT_RULES,
      alertmanagers: am.members.map((member) => member.url),
    });
  }, 60_000);

  afterAll(async () => {
    await receivers?.close();
    await prometheus?.close();
    await am?.close();
    await bridge?.close();
    await relay?.close();
    for (const target of Object.values(targets ?? {})) await target.close();
    await gh?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const executions = async () =>
    (await getJson<{ executions: Execution[] }>(`${bridge.url}/api/executions?limit=100`, auth)).executions;
  const executionFor = async (target: MetricsTarget) =>
    (await executions()).find((execution) => execution.target === target.address);

  /** Waits for the execution of `target`'s alert to be dispatched with a run on GitHub. */
  async function dispatchedFor(target: MetricsTarget): Promise<Execution & { runId: number }> {
    return waitUntil(
      async () => {
        const execution = await executionFor(target);
        return execution?.runId ? (execution as Execution & { runId: number }) : undefined;
      },
      { what: `the dispatch for ${target.address} to reach GitHub`, timeoutMs: 30_000 },
    );
  }

  /** GitHub finishes the run and tells the bridge: a signed workflow_run (completed, success). */
  async function runSucceeds(execution: Execution & { runId: number }): Promise<void> {
    gh.setRunStatus(execution.runId, "completed", "success");
    const payload = workflowRunPayload({
      runId: execution.runId,
      status: "completed",
      conclusion: "success",
      repository: REPOSITORY,
      displayTitle: gh.runs().find((run) => run.id === execution.runId)?.displayTitle,
    });
    const answer = await deliver(bridge.url, "workflow_run", payload, WEBHOOK_SECRET);
    expect(answer.status).toBe(200);
  }

  async function settled(target: MetricsTarget, timeoutMs: number): Promise<Execution> {
    return waitUntil(
      async () => {
        const execution = await executionFor(target);
        return execution &&
          !["succeeded", "running", "dispatched", "queued", "pending"].includes(execution.state)
          ? execution
          : undefined;
      },
      { what: `the outcome for ${target.address}`, timeoutMs },
    );
  }

  it("target down → dispatch → run succeeds → target back → resolved → verified, with its times", async () => {
    await targets.fixed.stop();
    const execution = await dispatchedFor(targets.fixed);
    await runSucceeds(execution);
    const watching = await executionFor(targets.fixed);
    expect(watching?.state).toBe("succeeded");
    expect(watching?.verifyBy).toBe((watching?.finishedAt ?? 0) + 20_000);

    await targets.fixed.start();
    const verified = await settled(targets.fixed, 30_000);
    expect(verified.state).toBe("verified");
    expect(verified.reason).toMatch(
      /^verified: alert cleared \d+s after it started, \d+s after dispatch; Alertmanager reported it resolved at /,
    );
    const clearedAt = verified.clearedAt ?? 0;
    expect(clearedAt).toBeGreaterThan(Date.parse(verified.startsAt));
    expect(clearedAt).toBeLessThanOrEqual(verified.verifyBy ?? 0);
    process.stdout.write(
      `verified outcome: alert start → cleared ${(clearedAt - Date.parse(verified.startsAt)) / 1000}s, ` +
        `dispatch → cleared ${(clearedAt - (verified.dispatchedAt ?? 0)) / 1000}s\n`,
    );
    const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
    expect(metrics).toMatch(
      /runbridge_execution_outcomes_total\{runbook="restart-verify",outcome="verified"\} 1/,
    );
    expect(metrics).toMatch(
      /runbridge_time_to_resolution_seconds_count\{runbook="restart-verify",from="alert_start"\} 1/,
    );
  }, 90_000);

  it("targets that stay down → not_cleared (Alertmanager still lists them) → the second opens the runbook's breaker → one issue and one page → reset closes and resolves them", async () => {
    await targets.stuck1.stop();
    await targets.stuck2.stop();
    const first = await dispatchedFor(targets.stuck1);
    const second = await dispatchedFor(targets.stuck2);
    await runSucceeds(first);
    await runSucceeds(second);
    for (const target of [targets.stuck1, targets.stuck2]) {
      const outcome = await settled(target, 30_000);
      expect(outcome.state).toBe("not_cleared");
      expect(outcome.reason).toMatch(
        /^not_cleared: still firing 3s after the run succeeded \(outcome\.within\): Alertmanager \(http:\/\/127\.0\.0\.1:\d+\) lists it active since /,
      );
    }
    const { events } = await getJson<{ events: { kind: string; message: string }[] }>(
      `${bridge.url}/api/audit?kind=breaker.opened`,
      auth,
    );
    expect(events.map((event) => event.message)).toEqual([
      expect.stringMatching(/^breaker runbook:restart-stuck opened: 2 failures within 1h/),
    ]);

    await targets.stuck3.stop();
    const refused = await waitUntil(() => executionFor(targets.stuck3), {
      what: "the third alert to be decided",
      timeoutMs: 30_000,
    });
    expect(refused).toMatchObject({ state: "suppressed", guard: "circuit_breaker" });
    expect(gh.dispatches().filter((dispatch) => dispatch.inputs?.runbook === "restart-stuck")).toHaveLength(
      2,
    );

    // A person is called: one issue for the breaker in GitHub, one PagerDuty trigger for it.
    const breaker = "runbridge/breaker/runbook:restart-stuck";
    await waitUntil(() => pages("trigger", breaker).length === 1 && breakerIssues().length === 1, {
      what: "the breaker's issue and page",
      timeoutMs: 30_000,
    });
    expect(pages("trigger", breaker)[0]?.problems).toEqual([]);
    expect(breakerIssues()[0]?.body?.match(/ not_cleared: /g)).toHaveLength(2);
    expect(gh.violations).toEqual([]);
    // An operator resets it: the issue is closed and the incident resolved.
    const reset = await fetch(
      `${bridge.url}/api/breakers/${encodeURIComponent("runbook:restart-stuck")}/reset`,
      {
        method: "POST",
        headers: { ...auth.headers, "content-type": "application/json" },
        body: "{}",
      },
    );
    expect(reset.status).toBe(200);
    await waitUntil(() => pages("resolve", breaker).length === 1 && breakerIssues()[0]?.state === "closed", {
      what: "the breaker's issue closed and its incident resolved",
      timeoutMs: 30_000,
    });
    expect(pages("trigger", breaker)).toHaveLength(1);
    expect(breakerIssues()).toHaveLength(1);
  }, 120_000);

  it("the bridge down while Alertmanager sends the resolved notification: still verified, through the API check", async () => {
    await targets.lost.stop();
    const execution = await dispatchedFor(targets.lost);
    await runSucceeds(execution);

    relay.cut = true;
    await bridge.close();
    await targets.lost.start();
    await waitUntil(
      () =>
        relay.refused.some(
          (refused) => refused.status === "resolved" && refused.instances.includes(targets.lost.address),
        ),
      { what: "Alertmanager to try (and fail) to send the resolved notification", timeoutMs: 30_000 },
    );
    // Back up, on the same port and database; Alertmanager's retries still do not get through
    // before the deadline, so only the question to Alertmanager's API can tell.
    bridge = await startTheBridge();
    const outcome = await settled(targets.lost, 40_000);
    expect(outcome.state).toBe("verified");
    expect(outcome.reason).toMatch(
      /^verified: alert cleared at most \d+s after it started, at most \d+s after dispatch; Alertmanager \(.*\) no longer lists it active at the deadline; its resolved notification never reached the bridge$/,
    );

    // The notification, delivered at last, changes nothing.
    relay.cut = false;
    await waitUntil(
      async () => {
        const { events } = await getJson<{ events: { executionId: string | null }[] }>(
          `${bridge.url}/api/audit?kind=alert.resolved`,
          auth,
        );
        return events.some((event) => event.executionId === execution.id);
      },
      { what: "the late resolved notification to be recorded", timeoutMs: 30_000 },
    );
    expect((await executionFor(targets.lost))?.state).toBe("verified");
    expect(gh.violations).toEqual([]);
  }, 120_000);
});
