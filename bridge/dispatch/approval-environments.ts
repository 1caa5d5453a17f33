/**
 * @module
 * Reads the environment of every approval runbook when a runbook set becomes active, so
 * /api/status and `runbridge_runbook_approval_unheld` know at once which approvals cannot be
 * held, instead of after the first alert. Through the same cache the outbox worker asks.
 */
import type { Logger } from "../logger.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import type { EnvironmentProtection } from "./environment-protection.js";

/** One read per environment; a failure is logged and left for the next dispatch to retry. */
export async function readApprovalEnvironments(
  protection: EnvironmentProtection,
  runbooks: readonly ResolvedRunbook[],
  log: Logger,
): Promise<void> {
  const environments = new Set(
    runbooks
      .filter((runbook) => runbook.mode === "approval" && runbook.approval !== "bridge")
      .flatMap((runbook) => (runbook.environment === undefined ? [] : [runbook.environment])),
  );
  for (const environment of environments) {
    try {
      await protection.check(environment);
    } catch (error) {
      log.warn(
        { err: error, environment },
        "could not read the protection of an approval runbook's environment; the next dispatch asks again",
      );
    }
  }
}
