import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtures, runbridge } from "./run-cli.js";

const runbooks = ["--runbooks", "test/cli/fixtures/valid"];
const webhook = "test/cli/fixtures/alerts/webhook.json";
const singleAlert = "test/cli/fixtures/alerts/single-alert.json";

describe("runbridge route", () => {
  describe("on an Alertmanager webhook payload", () => {
    it("explains each alert: winner and why, target, mode, workflow, guards, losers", () => {
      const run = runbridge(["route", webhook, ...runbooks]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe("");
      const [first, second, third] = run.stdout.split("\n\n");
      expect(first).toBe(
        [
          'alert 1/3: NginxDown{severity="critical", instance="web-1:9113"} firing',
          "  runbook: nginx-down (test/cli/fixtures/valid/nginx-down.yml) — highest ranked of 2 matching runbooks",
          "  target: web-1 (label instance, pattern ^([^:]+)); allowed by web-*",
          "  mode: approval in environment remediation-production",
          "  workflow: remediate.yml@main via workflow_dispatch",
          "  approval timeout: 30m",
          "  guards:",
          "    cooldown: 10m per runbook + target",
          "    maxPerHour: 3 (sliding hour)",
          "    breaker: opens after 3 failures within 1h, for 30m (scope: runbook)",
          '    blackout: "0 2 * * 6" for 4h (Europe/Berlin)',
          "    onResolved: cancel",
          "    group: alert (one execution per alert)",
          "  note: mode approval: the remediate job waits for reviewers of environment remediation-production",
          "  lost:",
          "    web-generic: priority 10 < nginx-down's 100",
        ].join("\n"),
      );
      expect(second).toContain("target: db-7 (label instance, pattern ^([^:]+)); NOT allowed by web-*");
      expect(second).toContain(
        "note: the target is not on the allow-list: the bridge would suppress this execution",
      );
      expect(third).toBe(
        'alert 3/3: DiskFull{severity="critical", instance="web-1:9100"} firing\n  runbook: none — no runbook matches this alert\n',
      );
    });

    it("prints the same facts as JSON with --json", () => {
      const run = runbridge(["route", webhook, ...runbooks, "--json"]);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.groupKey).toBe('{}:{alertname="NginxDown"}');
      expect(report.alerts).toHaveLength(3);
      const [first, second, third] = report.alerts;
      expect(first).toMatchObject({
        alert: { fingerprint: "a1b2c3d4e5f60718", status: "firing" },
        runbook: "nginx-down",
        reason: "highest ranked of 2 matching runbooks",
        target: { label: "instance", value: "web-1", allowed: true, allow: "web-*" },
        dispatch: {
          mode: "approval",
          environment: "remediation-production",
          workflow: "remediate.yml",
          ref: "main",
        },
        guards: {
          cooldown: "10m",
          maxPerHour: 3,
          breaker: { failures: 3, within: "1h", openFor: "30m", scope: "runbook" },
          blackout: [{ cron: "0 2 * * 6", duration: "4h", timezone: "Europe/Berlin" }],
          onResolved: "cancel",
          group: "alert",
        },
        lost: [{ runbook: "web-generic", priority: 10, reason: "priority 10 < nginx-down's 100" }],
        rejected: [],
      });
      expect(second.target).toMatchObject({ value: "db-7", allowed: false });
      expect(third).toMatchObject({ runbook: null, reason: "no runbook matches this alert", target: null });
    });
  });

  it("routes a payload the bridge would reject, and warns what the bridge would answer", () => {
    const payload = {
      version: "4",
      alerts: [
        {
          status: "resolved",
          labels: { alertname: "NginxDown", severity: "critical", instance: "web-1:9113" },
        },
      ],
    };
    const run = runbridge(["route", "-", ...runbooks], { input: JSON.stringify(payload) });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'warning: the bridge would reject stdin with 400: not an Alertmanager webhook: (body) missing "status"\n',
    );
    expect(run.stdout).toContain('alert 1/1: NginxDown{severity="critical", instance="web-1:9113"} resolved');
    expect(run.stdout).toContain(
      "note: resolved alert: cancels this runbook's execution while it is queued or awaiting approval",
    );
  });

  describe("on a single alert", () => {
    it("reads it from stdin with - and lists the near misses when nothing matches", () => {
      const run = runbridge(["route", "-", ...runbooks], {
        input: readFileSync(join(fixtures, "alerts", "single-alert.json"), "utf8"),
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(
        [
          'alert 1/1: DatabaseDown{env="staging", instance="db-2"} firing',
          "  runbook: none — no runbook matches this alert",
          "  near misses:",
          '    database-down: label env="staging" does not match prod',
          "",
        ].join("\n"),
      );
    });

    it("reports a match with its default guards as JSON", () => {
      const alert = JSON.stringify({ labels: { alertname: "DatabaseDown", env: "prod", instance: "db-1" } });
      const run = runbridge(["route", "-", ...runbooks, "--json"], { input: alert });
      expect(run.code).toBe(0);
      const [route] = JSON.parse(run.stdout).alerts;
      expect(route).toMatchObject({
        runbook: "database-down",
        reason: "only matching runbook",
        target: { label: "instance", value: "db-1", allowed: true },
        dispatch: { mode: "dry-run", workflow: "remediate.yml", ref: "main", dispatch: "workflow" },
        guards: { blackout: [], onResolved: "ignore", group: "alert" },
        notes: ["mode dry-run: recorded as what would run, nothing is dispatched"],
      });
    });

    it("reads it from a file", () => {
      const run = runbridge(["route", singleAlert, ...runbooks]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("runbook: none — no runbook matches this alert");
    });
  });

  describe("when an alertname matches no runbook", () => {
    it("suggests the runbook whose alertname differs only in case (HighCPUUsage vs HighCpuUsage)", () => {
      const dir = mkdtempSync(join(tmpdir(), "runbridge-route-"));
      try {
        writeFileSync(
          join(dir, "high-cpu.yml"),
          [
            "name: high-cpu",
            "description: Capture the top CPU consumers",
            'owner: "@acme/infra"',
            "match: { alertname: [HighCpuUsage, HostHighCpuLoad] }",
            "mode: notify",
            "",
          ].join("\n"),
        );
        const alert = JSON.stringify({ labels: { alertname: "HighCPUUsage", severity: "warning" } });
        const run = runbridge(["route", "-", "--runbooks", dir], { input: alert });
        expect(run.code).toBe(0);
        expect(run.stdout).toBe(
          [
            'alert 1/1: HighCPUUsage{severity="warning"} firing',
            "  runbook: none — no runbook matches this alert",
            "  did you mean HighCpuUsage? (runbook high-cpu)",
            "",
          ].join("\n"),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("folds punctuation too, in literal names and in the literal parts of globs", () => {
      const alert = JSON.stringify({ labels: { alertname: "nginx_down", severity: "critical" } });
      const run = runbridge(["route", "-", ...runbooks], { input: alert });
      expect(run.stdout).toContain(
        "  did you mean NginxDown*? (runbook nginx-down)\n  did you mean NginxDown*? (runbook web-generic)\n",
      );
      const json = runbridge(["route", "-", ...runbooks, "--json"], {
        input: JSON.stringify({ labels: { alertname: "http-down" } }),
      });
      expect(JSON.parse(json.stdout).alerts[0]).toMatchObject({
        runbook: null,
        suggestions: [{ alertname: "HttpDown", runbook: "web-generic" }],
      });
    });

    it("suggests nothing when the name is not a spelling of any runbook's, or a runbook matches it as is", () => {
      const unknown = runbridge(["route", "-", ...runbooks], {
        input: JSON.stringify({ labels: { alertname: "DiskFull" } }),
      });
      expect(unknown.stdout).not.toContain("did you mean");
      // DatabaseDown matches database-down's alertname; its label does not: a near miss, not a typo.
      const nearMiss = runbridge(["route", singleAlert, ...runbooks]);
      expect(nearMiss.stdout).toContain("near misses:");
      expect(nearMiss.stdout).not.toContain("did you mean");
      const matched = runbridge(["route", webhook, ...runbooks, "--json"]);
      for (const route of JSON.parse(matched.stdout).alerts) expect(route.suggestions).toEqual([]);
    });
  });

  describe("fails with exit code 1", () => {
    it("when the input is not JSON", () => {
      const run = runbridge(["route", "-", ...runbooks], { input: "alertname=NginxDown" });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^runbridge: stdin is not JSON .*expected an Alertmanager webhook payload/);
    });

    it("when the input has no labels", () => {
      const run = runbridge(["route", "-", ...runbooks], { input: '{"alertname":"NginxDown"}' });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('runbridge: stdin: the alert has no "labels" object');
    });

    it("when the file cannot be read", () => {
      const run = runbridge(["route", "test/cli/fixtures/alerts/missing.json", ...runbooks]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("runbridge: cannot read test/cli/fixtures/alerts/missing.json");
    });

    it("when the runbooks are invalid, listing their problems", () => {
      const run = runbridge(["route", singleAlert, "--runbooks", "test/cli/fixtures/invalid"]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain(
        'test/cli/fixtures/invalid/bad-duration.yml:8:13 guards.cooldown: "10 minutes" is not a duration',
      );
      expect(run.stderr).toContain('run "runbridge validate test/cli/fixtures/invalid" and fix them first');
    });
  });

  it("requires an input and exits 2 without one", () => {
    const run = runbridge(["route", ...runbooks]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("runbridge: missing the alert file (or - for stdin)");
  });
});
