// The remediate workflow, run for real by nektos/act on this host: the workflow file, the
// committed Action bundle and a runbook whose steps touch only a temporary folder and a
// loopback server. Four runs in parallel: a fixable target (every phase but rollback), a
// healthy one (stops after health-check), a broken one (verify fails, rollback runs) and a
// repository_dispatch of the healthy one (the same inputs, from client_payload).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../harness/processes.js";
import { commitRunbook, createE2eRepo, REPO_ROOT } from "./e2e-repo.js";
import { findOnPath } from "./find-tool.js";
import { type ActRun, jobLog, jobsStarted, runAct } from "./run-act.js";
import { startTargetServer, type TargetServer } from "./target-server.js";

const act = findOnPath("act");
if (!act) {
  console.warn(
    "remediate.e2e: SKIPPED: `act` is not on PATH. Install it with `npm run setup:test` " +
      "(go install github.com/nektos/act@v0.2.89) and put $(go env GOPATH)/bin on PATH.",
  );
}

const TOKEN = "e2e-token-3f9c1d77a2";

describe.skipIf(!act)("remediate workflow under act", () => {
  let dir: string;
  let server: TargetServer;
  let marker: string;
  const hostile: Record<string, string> = {};
  const runs: Record<string, ActRun> = {};
  let firstSha = "";

  const alertFor = (instance: string) => ({
    labels: { alertname: "E2eWebDown", instance, severity: "warning", evil: hostile.label },
    annotations: { summary: hostile.annotation },
  });

  beforeAll(async () => {
    dir = await makeTempDir("act");
    server = await startTargetServer();
    marker = join(dir, "pwned");
    hostile.label = `"; touch ${marker} #\n$(touch ${marker})\n\`touch ${marker}\`\n'; touch ${marker}; '`;
    hostile.annotation = `\${IFS}$(touch ${marker}) {{target}} ::error::injected %0A`;
    const work = join(dir, "work");
    mkdirSync(work);
    const runbook = readFileSync(
      join(REPO_ROOT, "test/fixtures/act/runbooks/e2e-web.yml"),
      "utf8",
    ).replaceAll("E2E_PORT", String(server.port));
    const repo = join(dir, "repo");
    firstSha = createE2eRepo(repo, { "e2e-web.yml": runbook });
    // A later commit changes the runbook; a run pinned to the first commit must not see it.
    // (Only the first /health URL, the health check's, gains ?v=2.)
    commitRunbook(repo, "e2e-web.yml", runbook.replace("/health/{{target}}", "/health/{{target}}?v=2"));

    const dispatch = async (
      name: string,
      event: "workflow_dispatch" | "repository_dispatch",
      payload: object,
    ) => {
      const eventFile = join(dir, `${name}.event.json`);
      writeFileSync(eventFile, JSON.stringify(payload));
      runs[name] = await runAct({
        act: act as string,
        repo,
        event,
        eventFile,
        cacheDir: join(dir, `cache-${name}`),
        secrets: { E2E_TOKEN: TOKEN, E2E_SLACK_WEBHOOK: `http://127.0.0.1:${server.port}/slack` },
        env: { E2E_DIR: work, RUNBRIDGE_E2E_REPO: repo },
      });
    };
    const inputs = (instance: string, executionId: string) => ({
      runbook: "e2e-web",
      target: instance,
      execution_id: executionId,
      alert: JSON.stringify(alertFor(instance)),
    });
    await Promise.all([
      dispatch("fixable", "workflow_dispatch", { inputs: inputs("fixable-1", "exec-fixable") }),
      dispatch("healthy", "workflow_dispatch", { inputs: inputs("healthy-1", "exec-healthy") }),
      dispatch("broken", "workflow_dispatch", { inputs: inputs("broken-1", "exec-broken") }),
      dispatch("pinned", "workflow_dispatch", {
        inputs: { ...inputs("healthy-3", "exec-pinned"), runbook_sha: firstSha },
      }),
      dispatch("repository", "repository_dispatch", {
        action: "runbridge",
        client_payload: {
          runbook: "e2e-web",
          target: "healthy-2",
          execution_id: "exec-repo",
          severity: "warning",
          alert: alertFor("healthy-2"),
          dry_run: false,
        },
      }),
    ]);
  }, 170_000);

  afterAll(async () => {
    await server?.close();
    if (dir) await removeTempDir(dir);
  });

  const phases = (target: string) => {
    const file = join(dir, "work", `${target}.log`);
    return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
  };
  const describeRun = (run: ActRun | undefined) =>
    `act exited ${run?.code}; output tail:\n${run?.log.slice(-4_000)}`;

  it("runs every phase in order for a target a restart fixes, and notifies", () => {
    const run = runs.fixable;
    expect(run?.code, describeRun(run)).toBe(0);
    expect(jobsStarted(run?.log ?? "")).toEqual([
      "plan",
      "health-check",
      "diagnostics",
      "remediate",
      "verify",
      "notify",
    ]);
    expect(phases("fixable-1")).toEqual(["health-check", "diagnostics", "remediate", "verify"]);
    expect(server.requests).toContain("POST /restart/fixable-1");
    expect(jobLog(run?.log ?? "", "notify")).toContain("outcome=remediated");
    expect(JSON.stringify(server.slack)).toContain("e2e-web on `fixable-1`: remediated and verified");
  });

  it("stops after health-check when the target is already healthy", () => {
    const run = runs.healthy;
    expect(run?.code, describeRun(run)).toBe(0);
    expect(jobsStarted(run?.log ?? "")).toEqual(["plan", "health-check", "notify"]);
    expect(phases("healthy-1")).toEqual(["health-check"]);
    expect(server.requests).not.toContain("POST /restart/healthy-1");
    expect(jobLog(run?.log ?? "", "notify")).toContain("outcome=healthy");
  });

  it("runs rollback when verify fails", () => {
    const run = runs.broken;
    // act exits non-zero because the verify job failed, as the run on GitHub would be red.
    expect(run?.code, describeRun(run)).not.toBe(0);
    expect(jobsStarted(run?.log ?? "")).toEqual([
      "plan",
      "health-check",
      "diagnostics",
      "remediate",
      "verify",
      "rollback",
      "notify",
    ]);
    expect(phases("broken-1")).toEqual(["health-check", "diagnostics", "remediate", "verify", "rollback"]);
    expect(server.requests).toContain("POST /rollback/broken-1");
    expect(jobLog(run?.log ?? "", "verify")).toContain('step "web answers again" (http) failed');
    expect(jobLog(run?.log ?? "", "notify")).toContain("outcome=rolled-back");
  });

  it("maps repository_dispatch's client_payload to the same inputs", () => {
    const run = runs.repository;
    expect(run?.code, describeRun(run)).toBe(0);
    expect(jobsStarted(run?.log ?? "")).toEqual(["plan", "health-check", "notify"]);
    expect(jobLog(run?.log ?? "", "plan")).toContain("execution-id=exec-repo");
    expect(phases("healthy-2")).toEqual(["health-check"]);
  });

  it("takes the runbook from runbook_sha, and every job checks out that commit", () => {
    const run = runs.pinned;
    expect(run?.code, describeRun(run)).toBe(0);
    expect(phases("healthy-3")).toEqual(["health-check"]);
    expect(server.requests).toContain("GET /health/healthy-3");
    expect(server.requests).not.toContain("GET /health/healthy-3?v=2");
    // Unpinned runs take the branch's newest commit.
    expect(server.requests).toContain("GET /health/healthy-1?v=2");
    expect(jobLog(run?.log ?? "", "plan")).toContain(`sha=${firstSha}`);
    const checkouts = [...(run?.log ?? "").matchAll(/checked out ([0-9a-f]{40})/g)].map((match) => match[1]);
    expect(checkouts).toEqual(["plan", "health-check", "notify"].map(() => firstSha));
  });

  it("keeps hostile alert data as data: nothing runs, the values arrive unchanged", () => {
    expect(existsSync(marker)).toBe(false);
    for (const target of ["fixable-1", "broken-1"]) {
      expect(readFileSync(join(dir, "work", `${target}.evil`), "utf8")).toBe(hostile.label);
      expect(readFileSync(join(dir, "work", `${target}.summary`), "utf8")).toBe(hostile.annotation);
    }
    // Printed by a step inside stop-commands: shown, never obeyed as a workflow command.
    expect(runs.fixable?.log).not.toMatch(/❗\s+::error::injected/);
  });

  it("gives steps the secrets they name and never prints them", () => {
    for (const run of Object.values(runs)) expect(run.log).not.toContain(TOKEN);
    expect(jobLog(runs.fixable?.log ?? "", "remediate")).toContain("token for fixable-1 is ***");
  });

  it("skips the artifact upload under act but still writes the diagnostics report", () => {
    expect(runs.fixable?.log).not.toContain("upload-artifact stand-in ran");
    expect(jobLog(runs.fixable?.log ?? "", "diagnostics")).toMatch(/report=\S+runbridge-diagnostics/);
  });

  it("summarises the diagnostics as the job's digest output and a notice annotation", () => {
    const log = jobLog(runs.fixable?.log ?? "", "diagnostics");
    expect(log).toMatch(/digest=record diagnostics: passed in \d+m?s/);
    expect(log).toMatch(/::notice title=Runbridge diagnostics summary::record diagnostics: passed in \d+m?s/);
  });
});
