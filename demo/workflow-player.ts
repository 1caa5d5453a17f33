/**
 * @module
 * Plays .github/workflows/remediate.yml for the demo's stand-in GitHub: each run the bridge
 * dispatches to the emulator is carried out here, job by job with the same conditions as the
 * workflow, by the Action's own phases (action/src/phases) against the demo service. GitHub's
 * side of it reaches the bridge as it would from GitHub: signed `workflow_run` and
 * `workflow_job` deliveries built from GitHub's published examples. Each run's job log goes to
 * `<logDir>/run-<id>.log`, its diagnostics report to `<logDir>/run-<id>-report/`.
 */
import { appendFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExecution } from "../action/src/execution.js";
import type { ActionInputs, Phase } from "../action/src/inputs.js";
import { runPhase } from "../action/src/phases/index.js";
import { scrubRunnerEnv } from "../action/src/steps/env.js";
import type { StepLog } from "../action/src/steps/log.js";
import type { DispatchRecord, GitHubEmulator } from "../test/github-emulator/index.js";
import { deliver, workflowJobPayload, workflowRunPayload } from "../test/loop/github-webhooks.js";

export interface PlayerOptions {
  gh: GitHubEmulator;
  bridgeUrl: string;
  webhookSecret: string;
  /** owner/name the bridge dispatches to. */
  repository: string;
  runbooksDir: string;
  /** Extra environment of the "runner" (the demo's control address). */
  runnerEnv: Record<string, string>;
  logDir: string;
  /** One line per job, for the demo's narration. */
  say(line: string): void;
}

export interface WorkflowPlayer {
  /** Resolves once every run started so far has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

type JobResult = "success" | "failure" | "skipped";
interface Job {
  result: JobResult;
  outputs: Record<string, string>;
}

/** The dispatch's inputs, from workflow_dispatch inputs or a repository_dispatch client_payload. */
function dispatchInputs(dispatch: DispatchRecord): Record<string, string> {
  const raw = dispatch.inputs ?? dispatch.clientPayload ?? {};
  return Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

function fileLog(file: string): StepLog {
  return {
    begin: (title) => appendFileSync(file, `▸ ${title}\n`),
    output: (chunk) => appendFileSync(file, chunk),
    end: (message) => appendFileSync(file, `  ${message}\n`),
  };
}

export function startWorkflowPlayer(options: PlayerOptions): WorkflowPlayer {
  const seen = new Set<number>();
  const running = new Set<Promise<void>>();
  let jobIds = 0;

  const github = async (event: string, payload: Record<string, unknown>) => {
    const answer = await deliver(options.bridgeUrl, event, payload, options.webhookSecret);
    if (answer.status !== 200) {
      options.say(
        `  the bridge answered ${event} with HTTP ${answer.status}: ${JSON.stringify(answer.body)}`,
      );
    }
  };

  async function play(dispatch: DispatchRecord): Promise<void> {
    const runId = dispatch.runId;
    const run = options.gh.runs().find((candidate) => candidate.id === runId);
    if (!run) return;
    const inputs = dispatchInputs(dispatch);
    const repository = options.repository;
    const logFile = join(options.logDir, `run-${runId}.log`);
    const displayTitle = run.displayTitle;
    options.say(`  GitHub (emulated) runs workflow run ${runId}: ${displayTitle}; job log ${logFile}`);
    await github("workflow_run", workflowRunPayload({ runId, status: "queued", displayTitle, repository }));
    options.gh.setRunStatus(runId, "in_progress");
    await github(
      "workflow_run",
      workflowRunPayload({ runId, status: "in_progress", displayTitle, repository }),
    );

    const jobs: Record<string, Job> = {};
    const needs = (...names: string[]) => JSON.stringify(Object.fromEntries(names.map((n) => [n, jobs[n]])));
    const job = async (name: Phase, needsJson = ""): Promise<Job> => {
      jobIds += 1;
      const jobId = 7_000_000_000 + jobIds;
      await github(
        "workflow_job",
        workflowJobPayload({ runId, jobId, name, status: "in_progress", repository }),
      );
      const actionInputs: ActionInputs = {
        phase: name,
        runbook: jobs.plan?.outputs.runbook ?? inputs.runbook ?? "",
        runbooksPath: options.runbooksDir,
        executionId: jobs.plan?.outputs["execution-id"] ?? inputs.execution_id ?? "",
        target: jobs.plan?.outputs.target ?? inputs.target ?? "",
        severity: jobs.plan?.outputs.severity ?? inputs.severity ?? "",
        alert: jobs.plan?.outputs.alert ?? inputs.alert ?? "{}",
        secrets: "{}",
        githubToken: "",
        dryRun: (jobs.plan?.outputs["dry-run"] ?? inputs.dry_run) === "true",
        runbookSha: inputs.runbook_sha ?? "",
        needs: needsJson,
        // The diagnostics report (an artifact on GitHub) goes next to the job log.
        reportDir: join(options.logDir, `run-${runId}-report`),
      };
      let result: Job;
      let verdict: string;
      let execution: ReturnType<typeof buildExecution> | undefined;
      try {
        execution = buildExecution(actionInputs, {
          baseEnv: { ...scrubRunnerEnv(process.env), ...options.runnerEnv },
          runId: String(runId),
          tempDir: tmpdir(),
        });
        appendFileSync(logFile, `\n=== job ${name} ===\n`);
        const phase = await runPhase(
          name,
          {
            inputs: actionInputs,
            execution,
            log: fileLog(logFile),
            report: async () => {},
            sha: run.headSha,
          },
          { github: undefined, runUrl: `https://github.com/${repository}/actions/runs/${runId}` },
        );
        result = { result: phase.status, outputs: phase.outputs };
        verdict = phase.verdict;
      } catch (error) {
        result = { result: "failure", outputs: {} };
        verdict = error instanceof Error ? error.message : String(error);
      } finally {
        if (execution) rmSync(execution.workDir, { recursive: true, force: true });
      }
      appendFileSync(logFile, `${result.result}: ${verdict}\n`);
      options.say(`  job ${name}: ${result.result}: ${verdict}`);
      jobs[name] = result;
      await github(
        "workflow_job",
        workflowJobPayload({
          runId,
          jobId,
          name,
          status: "completed",
          conclusion: result.result,
          repository,
        }),
      );
      return result;
    };
    const skip = (name: string) => {
      jobs[name] = { result: "skipped", outputs: {} };
    };

    // The jobs and `if:` conditions of .github/workflows/remediate.yml.
    const plan = await job("plan");
    if (plan.result === "success") {
      const health = await job("health-check");
      const unhealthy = health.result === "success" && health.outputs.healthy !== "true";
      if (unhealthy) await job("diagnostics");
      else skip("diagnostics");
      if (unhealthy && plan.outputs.remediate === "true") await job("remediate");
      else skip("remediate");
      if (jobs.remediate?.result === "success" && plan.outputs["dry-run"] !== "true") await job("verify");
      else skip("verify");
      if (jobs.verify?.result === "failure") await job("rollback");
      else skip("rollback");
    }
    await job("notify", needs("plan", "health-check", "diagnostics", "remediate", "verify", "rollback"));

    const failed = Object.values(jobs).some((j) => j.result === "failure");
    const conclusion = failed ? "failure" : "success";
    options.gh.setRunStatus(runId, "completed", conclusion);
    await github(
      "workflow_run",
      workflowRunPayload({ runId, status: "completed", conclusion, displayTitle, repository }),
    );
    options.say(`  workflow run ${runId} completed: ${conclusion}`);
  }

  const timer = setInterval(() => {
    for (const dispatch of options.gh.dispatches()) {
      if (seen.has(dispatch.runId)) continue;
      seen.add(dispatch.runId);
      const playing = play(dispatch).catch((error: unknown) => {
        options.say(
          `  playing run ${dispatch.runId} failed: ${error instanceof Error ? error.message : error}`,
        );
      });
      running.add(playing);
      void playing.finally(() => running.delete(playing));
    }
  }, 200);

  return {
    idle: async () => {
      await Promise.all([...running]);
    },
    async close() {
      clearInterval(timer);
      await Promise.all([...running]);
    },
  };
}
