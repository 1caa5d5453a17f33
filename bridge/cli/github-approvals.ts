/**
 * @module
 * The `--github` part of `runbridge validate`: asks GitHub, with the credentials the bridge
 * reads (GITHUB_TOKEN or the GitHub App, GITHUB_REPOSITORY, GITHUB_API_URL), whether each
 * approval runbook's approval can be held, and prints what is missing per runbook.
 */
import { ConfigError, loadConfig } from "../config.js";
import { createGitHubClient } from "../dispatch/github-client.js";
import { checkApprovalSetup, type RunbookApprovalSetup } from "../github/approval-setup.js";
import { createGitHubApi } from "../github/github-api.js";
import { createLogger } from "../logger.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import { type CliContext, CliError } from "./context.js";

export interface GitHubApprovalReport {
  repository: string;
  runbooks: RunbookApprovalSetup[];
  /** Approval: environment runbooks whose environment cannot hold the run. */
  unheld: number;
  warnings: number;
}

/** @throws CliError when credentials are missing or GitHub cannot be asked */
export async function checkGitHubApprovals(
  runbooks: readonly ResolvedRunbook[],
  context: CliContext,
): Promise<GitHubApprovalReport> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(context.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`--github: ${error.message}`);
    throw error;
  }
  if (!config.github) {
    throw new CliError(
      "--github needs GitHub credentials, the same the bridge reads: GITHUB_TOKEN (or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID) and GITHUB_REPOSITORY=owner/name",
    );
  }
  const octokit = createGitHubClient(config.github, createLogger("silent"));
  const api = createGitHubApi(octokit, config.github);
  let results: RunbookApprovalSetup[];
  try {
    results = await checkApprovalSetup(api, runbooks);
  } catch (error) {
    throw new CliError(
      `--github: asking ${config.github.apiUrl} about ${config.github.owner}/${config.github.repo} failed: ${(error as Error).message}. Check the credentials and that they may read the repository's environments, collaborators and the organization's teams`,
    );
  }
  return {
    repository: `${config.github.owner}/${config.github.repo}`,
    runbooks: results,
    unheld: results.filter((result) => !result.canBeHeld).length,
    warnings: results.flatMap((result) => result.findings).filter((finding) => finding.severity === "warning")
      .length,
  };
}

/** The report as text: a header per runbook, then each finding and its fix. */
export function githubApprovalText(report: GitHubApprovalReport): string {
  const lines = [`github: approval runbooks in ${report.repository}`];
  if (report.runbooks.length === 0) lines.push("  (no approval runbooks)");
  for (const result of report.runbooks) {
    const where = result.environment === null ? "no environment" : `environment ${result.environment}`;
    lines.push(`${result.runbook} (approval: ${result.approval}, ${where})`);
    for (const finding of result.findings) {
      lines.push(`  ${finding.severity}: ${finding.message}`);
      if (finding.fix) lines.push(`    fix: ${finding.fix}`);
    }
  }
  const unheld =
    report.unheld === 1 ? "1 runbook cannot be held" : `${report.unheld} runbooks cannot be held`;
  lines.push(`github: ${unheld}, ${report.warnings} warning${report.warnings === 1 ? "" : "s"}`);
  return `${lines.join("\n")}\n`;
}
