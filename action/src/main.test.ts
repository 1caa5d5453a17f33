// The Action as the runner starts it: a Node process with INPUT_* variables and the runner's
// command files, run from the TypeScript sources (the bundle is checked by dist.test.ts).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Loopback, startLoopback } from "./testing/loopback.js";

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, "index.ts");
// Absolute, because the process runs in a temporary folder where `tsx` would not resolve.
const tsx = pathToFileURL(join(here, "../../node_modules/tsx/dist/loader.mjs")).href;

const RUNBOOK = (url: string) => `
name: nginx-down
description: Restart nginx
owner: "@acme/web-sre"
match: { alertname: NginxDown }
mode: approval
environment: remediation-production
target: { label: instance, pattern: "^([^:]+)", allow: "web-*" }
runsOn: [self-hosted, prod-net]
steps:
  healthCheck: [ { name: nginx answers, http: { url: "${url}/{{target}}/healthz" } } ]
  diagnostics:
    - { name: uname, run: "echo diag for $TARGET" }
    - { name: broken, run: "echo partial; exit 2" }
    - { name: after, run: "echo still collected" }
  rollback: [ { name: undo, run: "echo undo on $TARGET", secrets: [SSH_KEY, DEPLOY_TOKEN] } ]
notify: [ { slack: { webhookSecret: SLACK_WEBHOOK_URL } } ]
`;

const GREEDY = `
name: greedy
description: Its diagnostics name seven secrets
owner: "@acme/web-sre"
match: { alertname: Greedy }
mode: auto
steps:
  diagnostics: [ { name: all, run: "env", secrets: [S1, S2, S3, S4, S5, S6, S7] } ]
`;

describe("the Action process", () => {
  let dir: string;
  let server: Loopback;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "runbridge-main-"));
    server = await startLoopback((request, response) =>
      response.writeHead(request.url.startsWith("/web-1/") ? 503 : 200).end(),
    );
    mkdirSync(join(dir, "runbooks"));
    writeFileSync(join(dir, "runbooks/nginx-down.yml"), RUNBOOK(server.url));
    writeFileSync(join(dir, "runbooks/broken.yml"), "name: broken\nmode: sometimes\n");
    writeFileSync(join(dir, "runbooks/greedy.yml"), GREEDY);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function action(inputs: Record<string, string>) {
    const output = join(dir, `output-${Math.random().toString(36).slice(2)}`);
    const summary = `${output}.summary`;
    writeFileSync(output, "");
    writeFileSync(summary, "");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_RUN_ID: "42",
      GITHUB_SHA: "f00d",
    };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ["--import", tsx, entry], { cwd: dir, env }, (error, out) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out }),
      );
    });
    const outputs: Record<string, string> = {};
    // The runner's file format: name<<DELIMITER, value lines, DELIMITER.
    for (const match of readFileSync(output, "utf8").matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) {
      outputs[match[1] as string] = match[3] as string;
    }
    return { code, stdout, outputs, summary: readFileSync(summary, "utf8") };
  }

  const alert = JSON.stringify({
    labels: { alertname: "NginxDown", instance: "web-1:9113", severity: "critical" },
  });

  it("plans: target from the alert by the runbook's pattern, environment, phases, runner, secrets per phase", async () => {
    const run = await action({
      phase: "plan",
      runbook: "nginx-down",
      alert,
      "runbook-sha": "abc1230000000000000000000000000000000123",
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({
      target: "web-1",
      environment: "remediation-production",
      "execution-id": "manual-42",
      severity: "critical",
      sha: "abc1230000000000000000000000000000000123",
      "has-health-check": "true",
      "has-remediate": "false",
      remediate: "false",
      "runs-on": '["self-hosted","prod-net"]',
      "secrets-health-check": "[]",
      "secrets-diagnostics": "[]",
      "secrets-remediate": "[]",
      "secrets-verify": "[]",
      "secrets-rollback": '["SSH_KEY","DEPLOY_TOKEN"]',
      "secrets-notify": '["SLACK_WEBHOOK_URL"]',
      status: "success",
    });
  });

  it("fails the plan when a phase names more secrets than the workflow passes a phase", async () => {
    const run = await action({ phase: "plan", runbook: "greedy" });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "steps.diagnostics: the diagnostics phase names 7 secrets (S1, S2, S3, S4, S5, S6, S7); the remediate workflow passes a phase at most 6",
    );
  });

  it("reports an unhealthy target without failing the health-check job", async () => {
    const run = await action({ phase: "health-check", runbook: "nginx-down", alert });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.healthy).toBe("false");
    expect(run.summary).toContain("<table>");
    expect(run.summary).toContain("HTTP 503");
  });

  it("collects every diagnostic even when one fails, into a report folder", async () => {
    const run = await action({ phase: "diagnostics", runbook: "nginx-down", alert, "report-dir": "report" });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error::diagnostics incomplete: step "broken" (run) failed: script exited with code 2',
    );
    const report = readFileSync(join(dir, "report/diagnostics.md"), "utf8");
    expect(report).toContain("diag for web-1");
    expect(report).toContain("still collected");
  });

  it("summarises the diagnostics in a digest: the output, summary.md and a notice the bridge reads", async () => {
    const run = await action({ phase: "diagnostics", runbook: "nginx-down", alert, "report-dir": "digest" });
    expect(run.code).toBe(1);
    const lines = run.outputs.digest?.split("\n") ?? [];
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^uname: passed in \d+(ms|s) — diag for web-1$/);
    expect(lines[1]).toMatch(
      /^broken: failed \(step "broken" \(run\) failed: script exited with code 2\) in \d+(ms|s) — partial$/,
    );
    expect(lines[2]).toMatch(/^after: passed in \d+(ms|s) — still collected$/);
    expect(readFileSync(join(dir, "digest/summary.md"), "utf8")).toBe(`${run.outputs.digest}\n`);
    // The workflow command GitHub turns into the job's check-run annotation (newlines encoded).
    expect(run.stdout).toContain(
      `::notice title=Runbridge diagnostics summary::${run.outputs.digest?.replaceAll("\n", "%0A")}`,
    );
  });

  it("says it rolled back (output rolled-back) only when rollback steps ran, not in a dry run", async () => {
    const secrets = JSON.stringify({ SSH_KEY: "key", DEPLOY_TOKEN: "token" });
    const run = await action({ phase: "rollback", runbook: "nginx-down", alert, secrets });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain("undo on web-1");
    expect(run.outputs["rolled-back"]).toBe("true");
    const described = await action({
      phase: "rollback",
      runbook: "nginx-down",
      alert,
      secrets,
      "dry-run": "true",
    });
    expect(described.outputs["rolled-back"]).toBe("false");
  });

  it("refuses a target outside the runbook's allow-list", async () => {
    const run = await action({ phase: "plan", runbook: "nginx-down", target: "db-1", alert });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error::target "db-1" is not allowed by runbook nginx-down (target.allow)',
    );
  });

  it("fails with the runbook's problems, located", async () => {
    const run = await action({ phase: "plan", runbook: "broken" });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::runbook broken is invalid:.*runbooks\/broken\.yml/);
  });

  it("names the unknown phase and the valid ones", async () => {
    const run = await action({ phase: "deploy", runbook: "nginx-down" });
    expect(run.stdout).toContain('::error::input phase is "deploy"; use one of plan, health-check');
  });
});
