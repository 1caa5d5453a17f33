// GET /metrics on a real bridge (SQLite file, loopback HTTP, the GitHub emulator): every metric
// the operating issue lists is exposed, counters follow the audit trail, gauges follow the store,
// and no alert content becomes a label value.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { setEnabled } from "../../bridge/store/settings.js";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { waitUntil } from "../harness/ports.js";
import { exposedNames, familyNames, parseExposition, REQUIRED_METRICS, type Sample } from "./exposition.js";
import { metricNames } from "./promql-names.js";
import {
  fireAlert,
  getJson,
  type OperatedBridge,
  runbookYaml,
  startOperatedBridge,
} from "./start-operated-bridge.js";

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find(
    (sample) => sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v),
  )?.value;
}

const DASHBOARD = fileURLToPath(new URL("../../docs/grafana/runbridge.json", import.meta.url));
const RULES = fileURLToPath(new URL("../../docs/prometheus/runbridge.rules.yml", import.meta.url));

const HOSTILE = 'evil"} 1\nrunbridge_enabled 0 # <script>';

describe("GET /metrics", () => {
  let gh: GitHubEmulator;
  let bridge: OperatedBridge;
  let text: string;
  let samples: Sample[];

  beforeAll(async () => {
    gh = await createGitHubEmulator();
    bridge = await startOperatedBridge({
      runbooks: {
        "web-down.yml": runbookYaml("web-down", "WebDown", { cooldown: "10m" }),
        "db-down.yml": runbookYaml("db-down", "DbDown", {
          breaker: "{ failures: 1, within: 1h, openFor: 30m }",
        }),
      },
      env: {
        GITHUB_TOKEN: "ghs_test",
        GITHUB_REPOSITORY: "acme/ops",
        GITHUB_API_URL: gh.url,
        RUNBRIDGE_DRY_RUN: "false",
      },
    });
    // One dispatched, one suppressed by cooldown, one with no runbook and hostile labels,
    // one that GitHub refuses (422) so the breaker opens.
    const first = await fireAlert(bridge.url, {
      alertname: "WebDown",
      instance: "web-1",
      severity: "critical",
    });
    expect(first.body.executions?.[0]?.state).toBe("pending");
    await waitUntil(() => gh.dispatches().length === 1, { what: "the first dispatch" });
    const again = await fireAlert(bridge.url, {
      alertname: "WebDown",
      instance: "web-1",
      severity: "critical",
      attempt: "2",
    });
    expect(again.body.executions?.[0]?.state).toBe("suppressed");
    await fireAlert(bridge.url, { alertname: HOSTILE, instance: HOSTILE });
    gh.faults.push({ operationId: "actions/create-workflow-dispatch", times: 1, status: 422 });
    await fireAlert(bridge.url, { alertname: "DbDown", instance: "db-1" });
    await waitUntil(
      async () =>
        (await getJson<{ executions: unknown[] }>(`${bridge.url}/api/executions?state=dispatch_failed`))
          .executions.length === 1,
      { what: "the refused dispatch to be recorded" },
    );
    await fireAlert(
      bridge.url,
      { alertname: "WebDown", instance: "web-2", severity: "critical" },
      { status: "resolved" },
    );

    const response = await fetch(`${bridge.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    text = await response.text();
    samples = parseExposition(text);
  });

  afterAll(async () => {
    await bridge?.close();
    await gh?.close();
  });

  it("exposes every metric family the issue lists", () => {
    const names = familyNames(text);
    expect(REQUIRED_METRICS.filter((name) => !names.has(name))).toEqual([]);
    for (const name of REQUIRED_METRICS) {
      const samplesOf = samples.filter(
        (sample) => sample.name === name || sample.name.startsWith(`${name}_`),
      );
      expect(samplesOf.length, `${name} has samples`).toBeGreaterThan(0);
    }
  });

  it("counts alerts by status and decisions by runbook, outcome and guard", () => {
    expect(value(samples, "runbridge_alerts_received_total", { status: "firing" })).toBe(4);
    expect(value(samples, "runbridge_alerts_received_total", { status: "resolved" })).toBe(1);
    expect(
      value(samples, "runbridge_decisions_total", { runbook: "web-down", outcome: "dispatched", guard: "" }),
    ).toBe(1);
    expect(
      value(samples, "runbridge_decisions_total", {
        runbook: "web-down",
        outcome: "suppressed",
        guard: "cooldown",
      }),
    ).toBe(1);
    expect(
      value(samples, "runbridge_decisions_total", {
        runbook: "none",
        outcome: "suppressed",
        guard: "no_runbook",
      }),
    ).toBe(1);
  });

  it("counts dispatch results and times alert → dispatch", () => {
    expect(
      value(samples, "runbridge_dispatch_attempts_total", { runbook: "web-down", result: "accepted" }),
    ).toBe(1);
    expect(
      value(samples, "runbridge_dispatch_attempts_total", { runbook: "db-down", result: "failed" }),
    ).toBe(1);
    expect(value(samples, "runbridge_alert_to_dispatch_seconds_count", { runbook: "web-down" })).toBe(1);
    expect(value(samples, "runbridge_alert_to_dispatch_seconds_sum", { runbook: "web-down" })).toBeLessThan(
      10,
    );
  });

  it("reads executions, breakers, cooldowns and the outbox from the store", () => {
    expect(value(samples, "runbridge_executions", { state: "dispatched" })).toBe(1);
    expect(value(samples, "runbridge_executions", { state: "suppressed" })).toBe(2);
    expect(value(samples, "runbridge_executions", { state: "dispatch_failed" })).toBe(1);
    expect(value(samples, "runbridge_executions", { state: "running" })).toBe(0);
    expect(value(samples, "runbridge_breakers_open", { runbook: "db-down", scope: "runbook" })).toBe(1);
    const cooldown = value(samples, "runbridge_cooldown_remaining_seconds", {
      runbook: "web-down",
      target: "web-1",
    });
    expect(cooldown).toBeGreaterThan(500);
    expect(cooldown).toBeLessThanOrEqual(600);
    expect(value(samples, "runbridge_outbox_depth")).toBe(0);
    expect(
      value(samples, "runbridge_execution_oldest_age_seconds", { state: "dispatched" }),
    ).toBeGreaterThanOrEqual(0);
  });

  it("shows the runbook set, the switches and GitHub's rate limit", () => {
    expect(value(samples, "runbridge_runbooks_loaded")).toBe(2);
    const info = samples.find((sample) => sample.name === "runbridge_runbooks_info");
    expect(info?.labels.source_hash).toMatch(/^[0-9a-f]{12}$/);
    expect(value(samples, "runbridge_enabled")).toBe(1);
    expect(value(samples, "runbridge_dry_run")).toBe(0);
    // The bridge's writes so far are in its -wal file; too few for the checkpointer to restart it.
    expect(value(samples, "runbridge_sqlite_wal_bytes")).toBeGreaterThan(0);
    expect(value(samples, "runbridge_sqlite_wal_restarts_total")).toBe(0);
    expect(value(samples, "runbridge_sqlite_wal_read_ahead_bytes_total")).toBe(0);
    expect(value(samples, "runbridge_github_rate_limit_remaining", { resource: "core" })).toBeGreaterThan(0);
    const last = value(samples, "runbridge_last_event_timestamp_seconds") ?? 0;
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(60);
  });

  it("never turns alert content into a label value", () => {
    expect(text).not.toContain("evil");
    expect(text).not.toContain("<script>");
    const allowed = new Set(["", "none", "other", "web-down", "db-down"]);
    const runbooks = samples.map((sample) => sample.labels.runbook).filter((name) => name !== undefined);
    expect(runbooks.filter((name) => !allowed.has(name as string))).toEqual([]);
    const targets = samples.map((sample) => sample.labels.target).filter((name) => name !== undefined);
    expect(targets).toEqual(["web-1"]);
  });

  it("backs every Grafana dashboard query with a metric /metrics exposes", () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
      panels: { title: string; targets?: { expr: string }[] }[];
      templating: { list: { definition?: string }[] };
    };
    const queries = [
      ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
      // Grafana's label_values(<series>, <label>) reads <series>.
      ...dashboard.templating.list.flatMap((variable) =>
        variable.definition ? [variable.definition.replace(/^label_values\((.+),\s*\w+\)$/, "$1")] : [],
      ),
    ];
    expect(queries.length).toBeGreaterThan(25);
    const exposed = exposedNames(text);
    const missing = queries.flatMap((query) =>
      metricNames(query)
        .filter((name) => !exposed.has(name))
        .map((name) => `${name} in ${query}`),
    );
    expect(missing).toEqual([]);
    for (const query of queries) expect(metricNames(query).length, query).toBeGreaterThan(0);
  });

  it("backs every shipped alert and recording rule with a metric /metrics exposes", () => {
    const rules = parse(readFileSync(RULES, "utf8")) as { groups: { rules: { expr: string }[] }[] };
    const exposed = exposedNames(text);
    // `up` comes from Prometheus itself; `runbridge:*` are the file's own recording rules.
    const missing = rules.groups
      .flatMap((group) => group.rules.map((rule) => rule.expr))
      .flatMap((expr) => metricNames(expr))
      .filter((name) => name !== "up" && !name.startsWith("runbridge:") && !exposed.has(name));
    expect(missing).toEqual([]);
  });

  it("follows the kill switch at the next scrape", async () => {
    await setEnabled(bridge.db, false, Date.now());
    const after = parseExposition(await (await fetch(`${bridge.url}/metrics`)).text());
    expect(value(after, "runbridge_enabled")).toBe(0);
    await setEnabled(bridge.db, true, Date.now());
  });
});

describe("GET /metrics with RUNBRIDGE_METRICS_TOKEN", () => {
  it("asks the scraper for the bearer token", async () => {
    const bridge = await startOperatedBridge({
      runbooks: { "web-down.yml": runbookYaml("web-down", "WebDown") },
      env: { RUNBRIDGE_METRICS_TOKEN: "scrape-secret" },
    });
    try {
      const refused = await fetch(`${bridge.url}/metrics`);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: string }).error).toMatch(/RUNBRIDGE_METRICS_TOKEN/);
      const wrong = await fetch(`${bridge.url}/metrics`, { headers: { authorization: "Bearer nope" } });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${bridge.url}/metrics`, { headers: { authorization: "Bearer scrape-secret" } });
      expect(ok.status).toBe(200);
      expect(familyNames(await ok.text()).has("runbridge_dry_run")).toBe(true);
    } finally {
      await bridge.close();
    }
  });
});
