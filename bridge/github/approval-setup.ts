/**
 * @module
 * Whether each approval runbook's approval can be held, asked of GitHub (for
 * `runbridge validate --github`): its environment (exists? required reviewers? may
 * administrators bypass them?) and its approvers (do the users and teams exist, with write or
 * admin on the repository?). Each finding says what is missing and what to configure.
 */
import { type UnheldApproval, unheldApproval } from "../dispatch/approval-readiness.js";
import { judgeProtection } from "../dispatch/environment-protection.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import type { GitHubApi } from "./github-api.js";

export interface SetupFinding {
  severity: "ok" | "warning" | "error";
  message: string;
  /** What to configure; absent for `ok`. */
  fix?: string;
}

export interface RunbookApprovalSetup {
  runbook: string;
  approval: ResolvedRunbook["approval"];
  environment: string | null;
  /** false: an `approval: environment` runbook whose environment cannot hold the run (suppressed every time). */
  canBeHeld: boolean;
  findings: SetupFinding[];
}

const ANSWERING = new Set(["admin", "maintain", "write"]);

function fromUnheld(unheld: UnheldApproval): SetupFinding {
  return { severity: unheld.severity, message: unheld.problem, fix: unheld.fix };
}

async function environmentFindings(
  api: GitHubApi,
  runbook: ResolvedRunbook,
): Promise<{ findings: SetupFinding[]; canBeHeld: boolean }> {
  const environment = runbook.environment;
  const info = environment === undefined ? undefined : await api.getEnvironment(environment);
  const verdict = judgeProtection(environment, info);
  const findings: SetupFinding[] = [];
  if (verdict.holds) {
    findings.push({ severity: "ok", message: verdict.why });
    if (info?.canAdminsBypass) {
      findings.push({
        severity: "warning",
        message: `repository administrators may bypass the required reviewers of environment ${environment}`,
        fix: `turn off "Allow administrators to bypass configured protection rules" on environment ${environment} (Settings → Environments)`,
      });
    }
    return { findings, canBeHeld: true };
  }
  const unheld = unheldApproval(runbook, verdict);
  if (unheld) findings.push(fromUnheld(unheld));
  else
    findings.push({
      severity: "ok",
      message: `${verdict.why}: the bridge holds each execution for its approvers`,
    });
  return { findings, canBeHeld: runbook.approval !== "environment" };
}

async function approverFindings(api: GitHubApi, approvers: readonly string[]): Promise<SetupFinding[]> {
  const findings: SetupFinding[] = [];
  for (const entry of approvers) {
    if (entry.includes("/")) {
      const [org, team] = entry.split("/") as [string, string];
      if (!(await api.teamExists(org, team))) {
        findings.push({
          severity: "warning",
          message: `approver team ${entry} does not exist, or the bridge's credentials cannot see it`,
          fix: `correct the slug in approvers (org/team-slug), or give the bridge's GitHub App "Members: read" on the organization`,
        });
        continue;
      }
      const permission = await api.teamRepositoryPermission(org, team);
      findings.push(
        ANSWERING.has(permission)
          ? {
              severity: "ok",
              message: `approver team ${entry} exists, ${permission} permission on the repository`,
            }
          : {
              severity: "warning",
              message: `approver team ${entry} has ${permission} permission on the repository; its members can approve only with write or admin of their own`,
              fix: `give team ${entry} write access to the repository (Settings → Collaborators and teams)`,
            },
      );
      continue;
    }
    if (!(await api.userExists(entry))) {
      findings.push({
        severity: "warning",
        message: `approver @${entry} does not exist on GitHub`,
        fix: "correct the login in approvers",
      });
      continue;
    }
    const permission = await api.repositoryPermission(entry);
    findings.push(
      ANSWERING.has(permission)
        ? { severity: "ok", message: `approver @${entry} exists, ${permission} permission on the repository` }
        : {
            severity: "warning",
            message: `approver @${entry} has ${permission} permission on the repository; approving needs write or admin`,
            fix: `give @${entry} write access to the repository, or remove them from approvers`,
          },
    );
  }
  return findings;
}

/** Every approval runbook's setup, in the order given; other modes are not listed. */
export async function checkApprovalSetup(
  api: GitHubApi,
  runbooks: readonly ResolvedRunbook[],
): Promise<RunbookApprovalSetup[]> {
  const results: RunbookApprovalSetup[] = [];
  for (const runbook of runbooks) {
    if (runbook.mode !== "approval") continue;
    const base = {
      runbook: runbook.name,
      approval: runbook.approval,
      environment: runbook.environment ?? null,
    };
    if (runbook.approval === "bridge") {
      const findings = [
        {
          severity: "ok" as const,
          message: "approval: bridge: the bridge holds each execution for its approvers",
        },
        ...(runbook.approvers.length === 0
          ? [fromUnheld(unheldApproval(runbook, undefined) as UnheldApproval)]
          : await approverFindings(api, runbook.approvers)),
      ];
      results.push({ ...base, canBeHeld: true, findings });
      continue;
    }
    const environment = await environmentFindings(api, runbook);
    const findings = [...environment.findings];
    // Approvers answer what the bridge holds: with approval: auto, whenever the environment
    // has (or later loses) its reviewers; approval: environment never asks them.
    if (runbook.approval === "auto" && runbook.approvers.length > 0) {
      findings.push(...(await approverFindings(api, runbook.approvers)));
    }
    results.push({ ...base, canBeHeld: environment.canBeHeld, findings });
  }
  return results;
}
