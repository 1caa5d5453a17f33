/**
 * high-error-rate rolls back only a deploy of the last hour. The runbook's own remediate
 * steps run through the Action's step runner: the gate's PromQL goes to the real Prometheus,
 * which scrapes kube-state-metrics series served on loopback (a ReplicaSet created minutes or
 * hours ago); kubectl is the real binary, pointed at a loopback server that records whether
 * it was called at all (no cluster runs here, so the rollback itself then fails).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSteps } from "../../action/src/phases/run-steps.js";
import { silentLog } from "../../action/src/steps/log.js";
import { testExecution } from "../../action/src/testing/execution.js";
import { type Loopback, startLoopback } from "../../action/src/testing/loopback.js";
import { loadRunbookFile } from "../../bridge/runbooks/load.js";
import type { ResolvedRunbook } from "../../bridge/runbooks/resolved-runbook.js";
import { waitUntil } from "../harness/ports.js";
import { makeTempDir, removeTempDir } from "../harness/processes.js";
import { type PrometheusInstance, startPrometheus } from "../harness/prometheus.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const HOUR = 3600;

/** kube-state-metrics as it describes ReplicaSets: creation time, wanted replicas, owner. */
function replicaSet(name: string, owner: string, ageSeconds: number, replicas: number, now: number): string {
  const labels = `namespace="shop",replicaset="${name}"`;
  return [
    `kube_replicaset_created{${labels}} ${now - ageSeconds}`,
    `kube_replicaset_spec_replicas{${labels}} ${replicas}`,
    `kube_replicaset_owner{${labels},owner_kind="Deployment",owner_name="${owner}",owner_is_controller="true"} 1`,
  ].join("\n");
}

let kubeStateMetrics: Loopback;
let apiServer: Loopback;
let prometheus: PrometheusInstance;
let dir: string;
let runbook: ResolvedRunbook;

beforeAll(async () => {
  const now = Math.floor(Date.now() / 1000);
  const exposition = `${[
    // checkout: deployed 10 minutes ago, the new ReplicaSet serves.
    replicaSet("checkout-5d8f7c9b6", "checkout", 600, 3, now),
    replicaSet("checkout-7f6b5d4c3", "checkout", 3 * 24 * HOUR, 0, now),
    // search-api: last deployed three hours ago.
    replicaSet("search-api-6c7d8e9f0", "search-api", 3 * HOUR, 2, now),
    // cart: deployed 20 minutes ago and already rolled back: the old ReplicaSet serves again.
    replicaSet("cart-84f9c7d6b", "cart", 1200, 0, now),
    replicaSet("cart-5b6c7d8e9", "cart", 5 * 24 * HOUR, 3, now),
  ].join("\n")}\n`;
  kubeStateMetrics = await startLoopback((_, response) => {
    response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(exposition);
  });
  apiServer = await startLoopback((_, response) => {
    response.writeHead(503, { "content-type": "application/json" }).end('{"kind":"Status","code":503}');
  });
  prometheus = await startPrometheus({
    scrapeTargets: [{ job: "kube-state-metrics", targets: [new URL(kubeStateMetrics.url).host] }],
  });
  await waitUntil(
    async () => {
      const response = await fetch(`${prometheus.url}/api/v1/query?query=count(kube_replicaset_owner)`);
      const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result[0]?.value[1] === "5";
    },
    { what: "Prometheus to scrape the ReplicaSet series", timeoutMs: 20_000 },
  );

  dir = await makeTempDir("kubectl");
  writeFileSync(
    join(dir, "kubeconfig"),
    [
      "apiVersion: v1",
      "kind: Config",
      `clusters: [{ name: test, cluster: { server: "${apiServer.url}" } }]`,
      "users: [{ name: test, user: { token: test } }]",
      "contexts: [{ name: test, context: { cluster: test, user: test } }]",
      "current-context: test",
      "",
    ].join("\n"),
  );
  const loaded = loadRunbookFile(`${root}runbooks/high-error-rate.yml`);
  if (!loaded.runbook) throw new Error(loaded.problems.map(String).join("\n"));
  // The runbook as shipped, with its Prometheus URL pointed at the one running here.
  const shipped = loaded.runbook.runbook;
  const point = (step: ResolvedRunbook["steps"]["remediate"][number]) =>
    "promql" in step ? { ...step, promql: { ...step.promql, url: prometheus.url } } : step;
  runbook = { ...shipped, steps: { ...shipped.steps, remediate: shipped.steps.remediate.map(point) } };
}, 60_000);

afterAll(async () => {
  await prometheus?.close();
  await kubeStateMetrics?.close();
  await apiServer?.close();
  if (dir) await removeTempDir(dir);
});

async function remediate(service: string) {
  const execution = testExecution({
    alert: { labels: { alertname: "HighErrorRate", service, namespace: "shop", severity: "critical" } },
    target: service,
  });
  try {
    const calls = apiServer.requests.length;
    const outcome = await runSteps(
      runbook.steps.remediate,
      {
        ...execution,
        runbook,
        baseEnv: { ...execution.baseEnv, KUBECONFIG: join(dir, "kubeconfig"), HOME: dir },
      },
      silentLog,
    );
    const [gate, rollback] = outcome.results;
    return { gate, rollback, kubectlCalls: apiServer.requests.length - calls };
  } finally {
    execution.cleanup();
  }
}

describe("high-error-rate's deploy window", () => {
  it("checks for a recent deploy before anything that rolls back", () => {
    const [gate, ...rest] = runbook.steps.remediate;
    expect(gate && "promql" in gate && gate.promql.expect).toBe("< 3600");
    expect(rest.some((step) => "run" in step && step.run.includes("rollout undo"))).toBe(true);
  });

  it("rolls back a deploy of the last hour", async () => {
    const { gate, rollback, kubectlCalls } = await remediate("checkout");
    expect(gate?.status).toBe("passed");
    // The rollback ran: kubectl called the API server (which answers 503: no cluster here).
    expect(rollback?.status).toBe("failed");
    expect(kubectlCalls).toBeGreaterThan(0);
  }, 60_000);

  it("leaves a service alone whose last deploy is three hours old, and says why", async () => {
    const { gate, rollback, kubectlCalls } = await remediate("search-api");
    expect(gate?.status).toBe("failed");
    expect(gate?.reason).toMatch(/expected every sample < 3600; 1 do not/);
    expect(rollback?.status).toBe("skipped");
    expect(kubectlCalls).toBe(0);
  }, 60_000);

  it("does not undo a rollback (the serving ReplicaSet is the old one again)", async () => {
    const { gate, rollback, kubectlCalls } = await remediate("cart");
    expect(gate?.status).toBe("failed");
    expect(rollback?.status).toBe("skipped");
    expect(kubectlCalls).toBe(0);
  }, 60_000);

  it("does nothing for a service Prometheus knows no deployment of", async () => {
    const { gate, rollback, kubectlCalls } = await remediate("not-deployed");
    expect(gate?.reason).toMatch(/got no series/);
    expect(rollback?.status).toBe("skipped");
    expect(kubectlCalls).toBe(0);
  }, 60_000);
});
