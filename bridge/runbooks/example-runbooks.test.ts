import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { listRunbookFiles } from "./load.js";
import { loadRunbookSet } from "./runbook-set.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const files = listRunbookFiles(`${root}runbooks`);
const { set, problems } = loadRunbookSet(`${root}runbooks`);
const runbooks = set?.runbooks ?? [];

describe("the example runbooks in runbooks/", () => {
  it("validate as one set, examples included", () => {
    expect(problems.map(String)).toEqual([]);
  });

  it("are the ones the project promises", () => {
    expect(files.map((file) => basename(file))).toEqual([
      "auth-failure-spike.yml",
      "database-down-triage.yml",
      "database-down.yml",
      "db-connection-pool-exhausted.yml",
      "docker-container-down.yml",
      "high-cpu.yml",
      "high-error-rate.yml",
      "high-memory.yml",
      "kube-deployment-replicas-mismatch.yml",
      "kube-hpa-maxed-out.yml",
      "kube-job-failed.yml",
      "kube-node-not-ready.yml",
      "kube-persistent-volume-filling-up.yml",
      "kube-pod-crash-looping.yml",
      "memory-pressure.yml",
      "nginx-down.yml",
      "node-filesystem-space-filling-up.yml",
      "node-systemd-service-failed.yml",
      "probe-failed.yml",
      "remediator-health.yml",
      "research-system-down.yml",
      "service-down-host.yml",
      "service-down.yml",
      "vector-store-degraded.yml",
    ]);
  });

  it.each(files.map((file) => [basename(file), file]))("%s points editors at the schema", (_, file) => {
    expect(readFileSync(file, "utf8").split("\n")[0]).toBe(
      "# yaml-language-server: $schema=../schemas/runbook.schema.json",
    );
  });

  it.each(runbooks.map((loaded) => [loaded.runbook.name, loaded]))(
    "%s is named like its file and has examples that must and must not match",
    (name, loaded) => {
      expect(basename(loaded.file)).toBe(`${name}.yml`);
      const examples = loaded.runbook.examples ?? [];
      expect(examples.some((example) => example.matches)).toBe(true);
      expect(examples.some((example) => !example.matches)).toBe(true);
      const label = loaded.runbook.target?.label;
      if (label) {
        // An alert without the target label (a sum over pods, a bare ServiceDown) has no target to state.
        for (const example of examples.filter(
          (each) => each.matches && each.alert.labels[label] !== undefined,
        ))
          expect(example.target).toBeDefined();
      }
    },
  );

  it.each(runbooks.map((loaded) => [loaded.runbook.name, loaded]))(
    "%s passes alert data to scripts only through the environment",
    (_, loaded) => {
      const steps = Object.values(loaded.runbook.steps ?? {}).flat();
      for (const step of steps) {
        if ("run" in step) expect(step.run).not.toMatch(/\{\{|\$\{\{/);
      }
    },
  );

  it.each(runbooks.map((loaded) => [loaded.runbook.name, loaded]))(
    "%s has scripts its shell can parse",
    (_, loaded) => {
      for (const step of Object.values(loaded.runbook.steps ?? {}).flat()) {
        if (!("run" in step)) continue;
        const check = spawnSync(step.shell, ["-n", "-c", step.run], { encoding: "utf8" });
        expect(check.stderr, `${step.name}:\n${step.run}`).toBe("");
        expect(check.status).toBe(0);
      }
    },
  );

  it.each(runbooks.map((loaded) => [loaded.runbook.name, loaded]))(
    "%s restarts or rolls back nothing without a person (approval, or dry-run until trusted)",
    (_, loaded) => {
      const { mode, steps } = loaded.runbook;
      const changing = [...(steps?.remediate ?? []), ...(steps?.rollback ?? [])];
      const restarts = Object.values(steps ?? {})
        .flat()
        .filter(
          (step) =>
            "run" in step &&
            /rollout (restart|undo)|docker restart|systemctl restart|pg_terminate_backend/.test(step.run),
        );
      if (mode === "auto") {
        expect(changing).toEqual([]);
        expect(restarts).toEqual([]);
      }
      if (restarts.length > 0) expect(["approval", "dry-run"]).toContain(mode);
      // Diagnostics first: a runbook that changes something shows the evidence before it does.
      if (changing.length > 0) expect(steps?.diagnostics?.length ?? 0).toBeGreaterThan(0);
    },
  );

  it("route the alerts the issue names to the runbooks it names", () => {
    const cases: [labels: Record<string, string>, runbook: string, target: string][] = [
      [
        { alertname: "NginxDown", job: "nginx", severity: "critical", instance: "web-9:9113" },
        "nginx-down",
        "web-9",
      ],
      [
        { alertname: "ServiceDown", service: "cart", namespace: "shop", severity: "critical" },
        "service-down",
        "cart",
      ],
      [
        { alertname: "ApplicationDown", service: "cart", namespace: "shop", severity: "critical" },
        "service-down",
        "cart",
      ],
      [
        { alertname: "HighErrorRate", service: "cart", namespace: "shop", severity: "critical" },
        "high-error-rate",
        "cart",
      ],
      [
        { alertname: "DatabaseConnectionPoolExhausted", service: "cart", severity: "critical" },
        "db-connection-pool-exhausted",
        "cart",
      ],
      [
        { alertname: "HighAuthenticationFailureRate", service: "sso", severity: "warning" },
        "auth-failure-spike",
        "sso",
      ],
    ];
    for (const [labels, runbook, target] of cases) {
      const result = set?.index.route({ labels });
      expect([result?.winner?.runbook.runbook.name, result?.target]).toEqual([runbook, target]);
    }
  });

  it("nginx-down waits for approval in an environment, cools down for 10m and cancels on resolve", () => {
    const nginx = set?.index.byName.get("nginx-down")?.runbook;
    expect(nginx).toMatchObject({
      mode: "approval",
      environment: "remediation-production",
      target: { label: "instance", pattern: "^([^:]+)" },
      guards: { cooldown: "10m", onResolved: "cancel" },
    });
    expect(nginx?.steps?.remediate?.[0]).toMatchObject({
      run: expect.stringMatching(/^ssh .*"[^"]*\$TARGET"/),
    });
  });

  it("high-error-rate rolls back a deploy of the last hour and verifies the error ratio is below 5%", () => {
    const steps = set?.index.byName.get("high-error-rate")?.runbook.steps;
    expect(steps?.diagnostics?.length).toBeGreaterThan(0);
    // The deploy-window gate comes first (test/catalogue/high-error-rate-deploy-window.test.ts runs it).
    expect(steps?.remediate?.[0]).toMatchObject({ promql: { expect: "< 3600" } });
    expect(steps?.remediate?.[1]).toMatchObject({ run: expect.stringContaining("rollout undo") });
    expect(steps?.verify?.some((step) => "promql" in step && step.promql.expect === "< 0.05")).toBe(true);
  });

  it("auth-failure-spike only notifies: no steps at all", () => {
    const auth = set?.index.byName.get("auth-failure-spike")?.runbook;
    expect(auth?.mode).toBe("notify");
    expect(Object.values(auth?.steps ?? {}).flat()).toEqual([]);
    expect(auth?.notify?.length).toBeGreaterThan(0);
  });
});
