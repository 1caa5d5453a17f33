// The real chain, end to end: Debian `prometheus` scrapes a tiny target with an alert rule and
// sends to Debian `prometheus-alertmanager`, which posts to the bridge (bearer token,
// send_resolved); the bridge dispatches to the GitHub API emulator. Target down → the alert fires
// → exactly one dispatch → target back up → the resolved notification is recorded. Prometheus also
// scrapes the bridge's /metrics and evaluates the shipped rules file. Prints firing → dispatch.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { type AlertmanagerCluster, startAlertmanagerCluster } from "../harness/alertmanager.js";
import { waitUntil } from "../harness/ports.js";
import {
  type MetricsTarget,
  type PrometheusInstance,
  startMetricsTarget,
  startPrometheus,
} from "../harness/prometheus.js";
import { getJson, type OperatedBridge, startOperatedBridge } from "./start-operated-bridge.js";

const AM_TOKEN = "real-chain-alertmanager-token";
const API_TOKEN = "real-chain-api-token";
const SHIPPED_RULES = fileURLToPath(new URL("../../docs/prometheus/runbridge.rules.yml", import.meta.url));

const ALERT_RULES = `
groups:
  - name: harness
    rules:
      - alert: HarnessTargetDown
        expr: up{job="target"} == 0
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.instance }} stopped answering scrapes"
`;

const RUNBOOK = `
name: restart-target
description: Restart the scrape target whose HarnessTargetDown alert fired
owner: "@acme/sre"
match:
  alertname: HarnessTargetDown
  labels: { severity: critical }
mode: auto
target: { label: instance }
guards:
  cooldown: 10m
  onResolved: cancel
steps:
  remediate:
    - name: restart
      run: echo "restart $TARGET"
`;

interface PromAlert {
  labels: Record<string, string>;
  state: "pending" | "firing";
  activeAt: string;
}

interface RuleGroups {
  data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
}

interface Execution {
  id: string;
  state: string;
  target: string;
  createdAt: number;
  dispatchedAt: number | null;
  alertResolvedAt: number | null;
  runId: number | null;
}

describe("Prometheus → Alertmanager → Runbridge → GitHub, for real", () => {
  let gh: GitHubEmulator;
  let target: MetricsTarget;
  let bridge: OperatedBridge;
  let am: AlertmanagerCluster;
  let prometheus: PrometheusInstance;
  const auth = { headers: { authorization: `Bearer ${API_TOKEN}` } };

  beforeAll(async () => {
    gh = await createGitHubEmulator();
    target = await startMetricsTarget();
    bridge = await startOperatedBridge({
      runbooks: { "restart-target.yml": RUNBOOK },
      env: {
        GITHUB_TOKEN: "ghs_real_chain",
        GITHUB_REPOSITORY: "acme/ops",
        GITHUB_API_URL: gh.url,
        RUNBRIDGE_DRY_RUN: "false",
        RUNBRIDGE_ALERTMANAGER_TOKEN: AM_TOKEN,
        RUNBRIDGE_API_TOKEN: API_TOKEN,
      },
    });
    am = await startAlertmanagerCluster({
      webhookUrl: `${bridge.url}/webhook/alertmanager`,
      authorization: { type: "Bearer", credentials: AM_TOKEN },
      sendResolved: true,
    });
    prometheus = await startPrometheus({
      scrapeTargets: [
        { job: "target", targets: [target.address] },
        { job: "runbridge", targets: [new URL(bridge.url).host] },
        { job: "alertmanager", targets: [new URL(am.members[0]?.url ?? "").host] },
      ],
      rules: ALERT_RULES,
      ruleFiles: [SHIPPED_RULES],
      alertmanagers: am.members.map((member) => member.url),
    });
  });

  afterAll(async () => {
    await prometheus?.close();
    await am?.close();
    await bridge?.close();
    await target?.close();
    await gh?.close();
  });

  async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const body = await getJson<{
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    }>(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return body.data.result;
  }

  it("dispatches exactly once when the target goes down, and records the resolution when it recovers", async () => {
    await waitUntil(async () => (await query('up{job="target"} == 1')).length === 1, {
      what: "Prometheus to scrape the target",
      timeoutMs: 20_000,
    });

    await target.stop();
    const firing = await waitUntil(
      async () => {
        const { data } = await getJson<{ data: { alerts: PromAlert[] } }>(`${prometheus.url}/api/v1/alerts`);
        return data.alerts.find(
          (alert) => alert.labels.alertname === "HarnessTargetDown" && alert.state === "firing",
        );
      },
      { what: "HarnessTargetDown to fire in Prometheus", timeoutMs: 30_000 },
    );
    const firedAt = Date.parse(firing.activeAt);

    await waitUntil(() => gh.dispatches().length >= 1, {
      what: "the dispatch to reach GitHub",
      timeoutMs: 30_000,
    });
    const dispatch = gh.dispatches()[0];
    const dispatchedAt = dispatch?.time.getTime() ?? 0;
    const { executions } = await getJson<{ executions: Execution[] }>(`${bridge.url}/api/executions`, auth);
    expect(executions).toHaveLength(1);
    const execution = executions[0] as Execution;
    process.stdout.write(
      `real chain: rule firing → dispatch accepted by GitHub: ${dispatchedAt - firedAt} ms ` +
        `(firing → bridge received: ${execution.createdAt - firedAt} ms, ` +
        `bridge → GitHub: ${dispatchedAt - execution.createdAt} ms)\n`,
    );
    expect(dispatch).toMatchObject({
      kind: "workflow_dispatch",
      workflow: "remediate.yml",
      inputs: {
        runbook: "restart-target",
        target: target.address,
        execution_id: execution.id,
        severity: "critical",
      },
    });
    expect(dispatchedAt - firedAt).toBeLessThan(30_000);

    await target.start();
    const resolved = await waitUntil(
      async () => {
        const { execution: current } = await getJson<{ execution: Execution }>(
          `${bridge.url}/api/executions/${execution.id}`,
          auth,
        );
        return current.alertResolvedAt !== null ? current : undefined;
      },
      { what: "the resolved notification to be recorded", timeoutMs: 30_000 },
    );
    expect(resolved.state).toBe("dispatched");
    const { events } = await getJson<{ events: { kind: string; message: string }[] }>(
      `${bridge.url}/api/audit?kind=alert.resolved`,
      auth,
    );
    expect(events.map((event) => event.message)).toEqual([
      expect.stringMatching(/^resolved at .*; execution stays dispatched/),
    ]);

    // Alertmanager's retries, group_interval and resend cycles must not have produced a second run.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(gh.dispatches()).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  }, 120_000);

  it("is watched by the same Prometheus: /metrics scraped, the shipped rules healthy", async () => {
    const accepted = await waitUntil(
      async () => {
        const result = await query('runbridge_dispatch_attempts_total{job="runbridge", result="accepted"}');
        return result[0]?.value[1] === "1" ? result : undefined;
      },
      { what: "Prometheus to scrape the accepted dispatch from the bridge", timeoutMs: 20_000 },
    );
    expect(accepted[0]?.metric.runbook).toBe("restart-target");
    const received = await query('sum by (status) (runbridge_alerts_received_total{job="runbridge"})');
    expect(Object.fromEntries(received.map((r) => [r.metric.status, Number(r.value[1])]))).toMatchObject({
      firing: expect.any(Number),
      resolved: 1,
    });

    const { data } = await getJson<RuleGroups>(`${prometheus.url}/api/v1/rules`);
    const shipped = data.groups.filter((group) => group.name.startsWith("runbridge."));
    expect(shipped.map((group) => group.name).sort()).toEqual(["runbridge.alerts", "runbridge.recording"]);
    await waitUntil(
      async () => {
        const { data: latest } = await getJson<RuleGroups>(`${prometheus.url}/api/v1/rules`);
        const rules = latest.groups
          .filter((group) => group.name.startsWith("runbridge."))
          .flatMap((g) => g.rules);
        return rules.length > 0 && rules.every((rule) => rule.health === "ok");
      },
      { what: "every shipped rule to evaluate without error", timeoutMs: 40_000 },
    );
    const firingNow = await getJson<{ data: { alerts: PromAlert[] } }>(`${prometheus.url}/api/v1/alerts`);
    const ours = firingNow.data.alerts.filter((alert) => alert.labels.alertname?.startsWith("Runbridge"));
    expect(ours.map((alert) => alert.labels.alertname)).toEqual([]);
  }, 60_000);
});
