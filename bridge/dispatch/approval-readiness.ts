/**
 * @module
 * Which approval runbooks cannot have their approval held, judged from what GitHub reported
 * about their environments (the outbox's cached reads, or `runbridge validate --github`).
 * Pure: the verdicts are passed in. An `approval: environment` runbook on an environment
 * without required reviewers is suppressed every time (an error); an `auto` one is held by the
 * bridge instead, which needs `approvers` — without them it can only expire (a warning).
 *
 * @example
 *   const unheld = unheldApprovals(set.runbooks.map((l) => l.runbook), protection.known);
 *   // [{ runbook: "db-failover", reason: "no_reviewers", severity: "error", … }]
 */
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import type { ProtectionFinding, ProtectionVerdict } from "./environment-protection.js";

/** Why an approval cannot be held (a metric label): what GitHub reported, or nobody to answer. */
export type UnheldReason = Exclude<ProtectionFinding, "holds"> | "no_approvers";

export const UNHELD_REASONS: readonly UnheldReason[] = [
  "no_environment",
  "environment_missing",
  "no_reviewers",
  "no_approvers",
];

export interface UnheldApproval {
  runbook: string;
  environment: string | null;
  approval: ResolvedRunbook["approval"];
  reason: UnheldReason;
  /** error: no execution of it can ever run; warning: held, but nobody may answer. */
  severity: "error" | "warning";
  /** What happens to its executions, and why. */
  problem: string;
  /** What to configure. */
  fix: string;
}

const REVIEWERS_FIX = (environment: string | null) =>
  environment === null
    ? "name an `environment` in the runbook and give it required reviewers (Settings → Environments)"
    : `give environment ${environment} required reviewers (Settings → Environments → ${environment}; for a private repository this needs GitHub Enterprise)`;

/**
 * @param verdict what GitHub reported about the runbook's environment; undefined when not
 *   read yet (nothing is said then: unknown is not unheld)
 */
export function unheldApproval(
  runbook: ResolvedRunbook,
  verdict: ProtectionVerdict | undefined,
): UnheldApproval | undefined {
  if (runbook.mode !== "approval") return undefined;
  const base = {
    runbook: runbook.name,
    environment: runbook.environment ?? null,
    approval: runbook.approval,
  };
  const noApprovers = runbook.approvers.length === 0;
  if (runbook.approval === "bridge") {
    if (!noApprovers) return undefined;
    return {
      ...base,
      reason: "no_approvers",
      severity: "warning",
      problem:
        "approval: bridge, and no approvers: every execution is held by the bridge and can only expire",
      fix: "list the GitHub users or org/team slugs who may answer /approve in the runbook's `approvers`",
    };
  }
  if (verdict === undefined || verdict.holds) return undefined;
  const reason = verdict.finding as Exclude<ProtectionFinding, "holds">;
  if (runbook.approval === "environment") {
    return {
      ...base,
      reason,
      severity: "error",
      problem: `approval: environment, but ${verdict.why}: every execution is suppressed, never run`,
      fix: `${REVIEWERS_FIX(base.environment)}, or set approval: auto (or bridge) with approvers`,
    };
  }
  if (!noApprovers) return undefined;
  return {
    ...base,
    reason: "no_approvers",
    severity: "warning",
    problem: `approval: auto and ${verdict.why}; the bridge holds each execution instead, but the runbook lists no approvers: it can only expire`,
    fix: `list the GitHub users or org/team slugs who may answer /approve in the runbook's \`approvers\`, or ${REVIEWERS_FIX(base.environment)}`,
  };
}

/** Every loaded approval runbook whose approval cannot be held, by what is known of its environment. */
export function unheldApprovals(
  runbooks: readonly ResolvedRunbook[],
  verdictOf: (environment: string | undefined) => ProtectionVerdict | undefined,
): UnheldApproval[] {
  return runbooks.flatMap((runbook) => {
    if (runbook.mode !== "approval") return [];
    const unheld = unheldApproval(runbook, verdictOf(runbook.environment));
    return unheld ? [unheld] : [];
  });
}
