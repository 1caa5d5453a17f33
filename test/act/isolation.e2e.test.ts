// What a run lets each phase reach, run for real by nektos/act on this host with the
// isolation runbook (test/fixtures/act/runbooks/e2e-isolation.yml):
// - secrets: a phase job gives the Action only the secrets its own steps name, so a
//   health-check step cannot read a secret only remediation names, not even from the Action
//   process's environment (INPUT_SECRETS), while remediation can;
// - runners: the phase jobs ask for the runbook's runsOn label; they run when a runner has it
//   and not otherwise, and plan always runs on ubuntu-latest;
// - hostile alert data (shell metacharacters, ${{ }}, newlines, ANSI escapes, workflow
//   commands) in the target, labels and annotations reaches the steps unchanged, runs nothing,
//   and the runner obeys none of it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../harness/processes.js";
import { createE2eRepo, REPO_ROOT } from "./e2e-repo.js";
import { findOnPath } from "./find-tool.js";
import { type ActRun, jobLog, jobsStarted, runAct } from "./run-act.js";
import { startTargetServer, type TargetServer } from "./target-server.js";

const act = findOnPath("act");
if (!act) {
  console.warn(
    "isolation.e2e: SKIPPED: `act` is not on PATH. Install it with `npm run setup:test` " +
      "(go install github.com/nektos/act@v0.2.89) and put $(go env GOPATH)/bin on PATH.",
  );
}

const LABEL = "runbridge-e2e-net";
const SECRETS = {
  E2E_HEALTH_KEY: "health-key-5be1c0",
  E2E_REMEDIATE_KEY: "remediate-key-93a7d2",
  // Named by no step: no phase may receive it.
  E2E_UNUSED_KEY: "unused-key-0c44f9",
};

describe.skipIf(!act)("a run's phases under act", () => {
  let dir: string;
  let work: string;
  let server: TargetServer;
  let marker: string;
  const hostile = { target: "", label: "", annotation: "" };
  const runs: Record<string, ActRun> = {};

  beforeAll(async () => {
    dir = await makeTempDir("act-isolation");
    server = await startTargetServer();
    marker = join(dir, "pwned");
    const touch = `touch ${marker}`;
    hostile.target = [
      `hostile-1 $(${touch}) \`${touch}\` ; ${touch} #`,
      "::add-mask::e2e-isolation",
      "::set-output name=healthy::true",
      "::error::target-injected",
      "   ::warning::indented-injected ##[error]legacy-injected",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, kept as data
      "\u001b[31mred\u001b[0m ${{ github.token }} %0A::notice::encoded",
    ].join("\n");
    hostile.label = `"; ${touch} #\n$(${touch})\n'; ${touch}; '\n::add-mask::remediate`;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, kept as data
    hostile.annotation = "${{ secrets.E2E_UNUSED_KEY }} \r\n::stop-commands::x\r::error::annotation-injected";
    work = join(dir, "work");
    mkdirSync(work);
    const repo = join(dir, "repo");
    createE2eRepo(repo, {
      "e2e-isolation.yml": readFileSync(
        join(REPO_ROOT, "test/fixtures/act/runbooks/e2e-isolation.yml"),
        "utf8",
      ),
    });
    const dispatch = async (name: string, labels: string[], target: string) => {
      const eventFile = join(dir, `${name}.event.json`);
      const alert = {
        labels: { alertname: "E2eIsolation", instance: "x", evil: hostile.label },
        annotations: { summary: hostile.annotation },
      };
      writeFileSync(
        eventFile,
        JSON.stringify({
          inputs: {
            runbook: "e2e-isolation",
            target,
            execution_id: `exec-${name}`,
            alert: JSON.stringify(alert),
          },
        }),
      );
      runs[name] = await runAct({
        act: act as string,
        repo,
        event: "workflow_dispatch",
        eventFile,
        cacheDir: join(dir, `cache-${name}`),
        labels,
        secrets: { ...SECRETS, E2E_SLACK_WEBHOOK: `http://127.0.0.1:${server.port}/slack` },
        env: { E2E_DIR: work, RUNBRIDGE_E2E_REPO: repo },
      });
    };
    await Promise.all([
      dispatch("mapped", ["ubuntu-latest", LABEL], hostile.target),
      dispatch("unmapped", ["ubuntu-latest"], "plain-1"),
    ]);
  }, 170_000);

  afterAll(async () => {
    await server?.close();
    if (dir) await removeTempDir(dir);
  });

  /**
   * What a job's steps printed, one line each (act prefixes them with "|"; act's own display of
   * step outputs and summaries, which GitHub does not print, is left out).
   */
  const printed = (job: string) =>
    jobLog(runs.mapped?.log ?? "", job)
      .split("\n")
      .filter((line) => /^\[Remediate\/[\w-]+\s*\] {3}\| /.test(line))
      .join("\n");
  const file = (name: string) => readFileSync(join(work, `exec-mapped.${name}`), "utf8");
  const describeRun = (run: ActRun | undefined) =>
    `act exited ${run?.code}; output tail:\n${run?.log.slice(-4_000)}`;

  describe("secrets", () => {
    it("a health-check step cannot read a secret only remediation names, in its environment or its parent's", () => {
      expect(runs.mapped?.code, describeRun(runs.mapped)).toBe(0);
      const own = file("health-check.env");
      const parent = file("health-check.parent-env");
      expect(own).toContain(`E2E_HEALTH_KEY=${SECRETS.E2E_HEALTH_KEY}`);
      // The Action process holds what the workflow passed this phase: its own secret, no other.
      expect(parent).toMatch(/^INPUT_SECRETS=.*"E2E_HEALTH_KEY":"health-key-5be1c0"/m);
      for (const text of [own, parent]) {
        expect(text).not.toContain(SECRETS.E2E_REMEDIATE_KEY);
        expect(text).not.toContain("E2E_REMEDIATE_KEY");
        expect(text).not.toContain(SECRETS.E2E_UNUSED_KEY);
      }
    });

    it("a remediate step reads the secret it names, and not the health check's", () => {
      const own = file("remediate.env");
      const parent = file("remediate.parent-env");
      expect(own).toContain(`E2E_REMEDIATE_KEY=${SECRETS.E2E_REMEDIATE_KEY}`);
      expect(parent).toMatch(/^INPUT_SECRETS=.*"E2E_REMEDIATE_KEY":"remediate-key-93a7d2"/m);
      for (const text of [own, parent]) {
        expect(text).not.toContain(SECRETS.E2E_HEALTH_KEY);
        expect(text).not.toContain(SECRETS.E2E_UNUSED_KEY);
      }
    });

    it("notify gets the Slack webhook its channel names, and posts", () => {
      expect(jobLog(runs.mapped?.log ?? "", "notify")).toContain("outcome=remediated");
      expect(server.slack).toHaveLength(1);
    });

    it("prints no secret", () => {
      for (const run of Object.values(runs)) {
        for (const value of Object.values(SECRETS)) expect(run.log).not.toContain(value);
      }
    });
  });

  describe("runner labels", () => {
    it("runs every phase job on the runbook's runsOn label when a runner has it", () => {
      expect(jobsStarted(runs.mapped?.log ?? "")).toEqual([
        "plan",
        "health-check",
        "diagnostics",
        "remediate",
        "verify",
        "notify",
      ]);
      expect(jobLog(runs.mapped?.log ?? "", "plan")).toContain(`runs-on=["${LABEL}"]`);
    });

    it("runs only plan (on ubuntu-latest) when no runner has the label", () => {
      const log = runs.unmapped?.log ?? "";
      expect(jobsStarted(log)).toEqual(["plan"]);
      expect(log).toContain(`Skipping unsupported platform -- Try running with \`-P ${LABEL}=...\``);
      expect(existsSync(join(work, "exec-unmapped.health-check.env"))).toBe(false);
    });
  });

  describe("hostile alert data", () => {
    it("runs nothing of it", () => {
      expect(existsSync(marker)).toBe(false);
    });

    it("reaches the steps unchanged", () => {
      expect(file("target")).toBe(hostile.target);
      expect(file("evil")).toBe(hostile.label);
      expect(file("summary")).toBe(hostile.annotation);
    });

    it("is obeyed by the runner as no workflow command", () => {
      const log = runs.mapped?.log ?? "";
      // ::set-output name=healthy::true would have made the target healthy and skipped remediation.
      expect(jobsStarted(log)).toContain("remediate");
      // ::add-mask::e2e-isolation would have hidden the runbook's name in what act prints next.
      expect(jobLog(log, "plan")).toContain("::set-output:: runbook=e2e-isolation");
      // act shows an obeyed ::error:: / ::warning:: with ❗ / 🚧 instead of the line.
      expect(log).not.toMatch(/[❗🚧].*-injected/u);
      expect(printed("plan")).toContain("::error::target-injected");
      expect(printed("plan")).toContain("::warning::indented-injected");
    });

    it("prints control characters and ANSI escapes as visible text", () => {
      expect(printed("plan")).toContain("␛[31mred␛[0m");
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for raw escapes
      expect(printed("plan")).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    });
  });
});
