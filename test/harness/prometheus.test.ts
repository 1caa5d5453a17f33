// Proves the Prometheus launcher end to end: Prometheus scrapes the tiny target, the rule
// `up{job="tiny"} == 0` fires when the target stops, Alertmanager delivers it to the receiver,
// and the resolved notification follows once the target is back.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startAlertmanagerCluster } from "./alertmanager.js";
import { waitUntil } from "./ports.js";
import { PROMTOOL_BIN, startMetricsTarget, startPrometheus } from "./prometheus.js";
import { startWebhookReceiver } from "./webhook-receiver.js";

const run = promisify(execFile);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const rules = `
groups:
  - name: harness
    rules:
      - alert: TinyDown
        expr: up{job="tiny"} == 0
        for: 0s
        labels: { severity: critical }
        annotations: { summary: "tiny target {{ $labels.instance }} is down" }
`;

/** Value of an instant query's first sample, or undefined when the result is empty. */
async function query(url: string, promql: string): Promise<string | undefined> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
  return body.data.result[0]?.value[1];
}

describe("startPrometheus", () => {
  it("writes a config and rules promtool accepts", async () => {
    const target = await startMetricsTarget();
    cleanups.push(() => target.close());
    const prom = await startPrometheus({
      scrapeTargets: [{ job: "tiny", targets: [target.address] }],
      rules,
      alertmanagers: ["http://127.0.0.1:9/"],
    });
    cleanups.push(() => prom.close());
    // check config also checks the rule files it references.
    const { stdout } = await run(PROMTOOL_BIN, ["check", "config", prom.configFile]);
    expect(stdout).toContain("SUCCESS: 1 rules found");
  });

  it("target down → TinyDown fires through Alertmanager → receiver; back up → resolved", async () => {
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const am = await startAlertmanagerCluster({
      webhookUrl: receiver.url,
      groupBy: ["alertname", "instance"],
    });
    cleanups.push(() => am.close());
    const target = await startMetricsTarget();
    cleanups.push(() => target.close());
    const prom = await startPrometheus({
      scrapeTargets: [{ job: "tiny", targets: [target.address] }],
      rules,
      alertmanagers: am.members.map((m) => m.url),
    });
    cleanups.push(() => prom.close());

    await waitUntil(async () => (await query(prom.url, 'up{job="tiny"}')) === "1", {
      what: "Prometheus to scrape the tiny target (up == 1)",
      timeoutMs: 10_000,
    });
    expect(target.scrapes).toBeGreaterThan(0);
    // The gauge flip is visible too (a runbook test could alert on it instead of up).
    target.setUp(false);
    await waitUntil(async () => (await query(prom.url, "runbridge_harness_up")) === "0", {
      what: "runbridge_harness_up == 0",
      timeoutMs: 10_000,
    });

    const t0 = Date.now();
    await target.stop();
    const firing = await receiver.waitFor(
      (w) => w.body.status === "firing" && w.body.commonLabels.alertname === "TinyDown",
      20_000,
    );
    console.log(`[prometheus] target stopped → firing webhook: ${firing.at - t0} ms`);
    expect(firing.body.version).toBe("4");
    expect(firing.body.alerts[0]?.labels).toMatchObject({
      alertname: "TinyDown",
      job: "tiny",
      instance: target.address,
      severity: "critical",
    });
    expect(firing.body.alerts[0]?.annotations.summary).toBe(`tiny target ${target.address} is down`);
    expect(firing.body.alerts[0]?.generatorURL).toContain(prom.url);

    const t1 = Date.now();
    await target.start();
    const resolved = await receiver.waitFor((w) => w.body.status === "resolved", 20_000);
    console.log(`[prometheus] target restarted → resolved webhook: ${resolved.at - t1} ms`);
    expect(resolved.body.alerts[0]?.fingerprint).toBe(firing.body.alerts[0]?.fingerprint);
  });
});
