/**
 * @module
 * The Action: inputs → one phase → outputs. The only place that reads the runner's
 * environment; a thrown Error becomes core.setFailed.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as core from "@actions/core";
import * as github from "@actions/github";
import { buildExecution, type Execution } from "./execution.js";
import { readInputs } from "./inputs.js";
import { createJobLog } from "./job-log.js";
import { logText } from "./log-text.js";
import { runPhase } from "./phases/index.js";
import { parseSecrets } from "./secrets.js";
import { scrubRunnerEnv } from "./steps/env.js";
import { writeSummary } from "./summary.js";

export async function run(): Promise<void> {
  let execution: Execution | undefined;
  try {
    const inputs = readInputs((name) => core.getInput(name));
    // Registered before anything can print them, errors included.
    if (inputs.githubToken) core.setSecret(inputs.githubToken);
    for (const value of parseSecrets(inputs.secrets).values()) core.setSecret(value);

    execution = buildExecution(inputs, {
      baseEnv: scrubRunnerEnv(process.env),
      runId: process.env.GITHUB_RUN_ID ?? "",
      tempDir: process.env.RUNNER_TEMP || tmpdir(),
    });
    const hasSummaryFile = Boolean(process.env.GITHUB_STEP_SUMMARY);
    const { owner, repo } = process.env.GITHUB_REPOSITORY ? github.context.repo : { owner: "", repo: "" };
    const context = {
      inputs,
      execution,
      log: createJobLog(),
      report: (report: Parameters<typeof writeSummary>[0]) => writeSummary(report, hasSummaryFile),
      sha: process.env.GITHUB_SHA ?? "",
    };
    const result = await runPhase(inputs.phase, context, {
      github:
        inputs.githubToken && owner
          ? {
              octokit: github.getOctokit(inputs.githubToken, { baseUrl: github.context.apiUrl }),
              owner,
              repo,
            }
          : undefined,
      runUrl: `${github.context.serverUrl}/${owner}/${repo}/actions/runs/${github.context.runId}`,
    });
    for (const [name, value] of Object.entries(result.outputs)) core.setOutput(name, value);
    core.setOutput("status", result.status);
    core.setOutput("summary", result.verdict);
    if (result.notice) core.notice(result.notice.message, { title: result.notice.title });
    core.info(logText(result.verdict));
    if (result.status === "failure") core.setFailed(result.verdict);
  } catch (error) {
    core.setOutput("status", "failure");
    core.setFailed(error instanceof Error ? error.message : String(error));
  } finally {
    if (execution) rmSync(execution.workDir, { recursive: true, force: true });
  }
}
