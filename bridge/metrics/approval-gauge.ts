/**
 * @module
 * `runbridge_runbook_approval_unheld{runbook,reason}`: 1 for each approval runbook whose
 * approval cannot be held, from the cached reads of environment protection (no GitHub call on
 * a scrape). Alert on it: an `approval: environment` runbook listed here is suppressed every
 * time, an `auto` one without approvers can only expire. /readyz stays up either way.
 */
import { Gauge, type Registry } from "prom-client";
import { UNHELD_REASONS, type UnheldApproval } from "../dispatch/approval-readiness.js";
import { oneOf, runbookLabel } from "./label-values.js";

export function registerApprovalGauge(
  registry: Registry,
  unheld: () => UnheldApproval[],
  isRunbookLoaded: (name: string) => boolean,
): void {
  new Gauge({
    name: "runbridge_runbook_approval_unheld",
    help: "Approval runbooks whose approval cannot be held (1), by reason: no_environment, environment_missing, no_reviewers (approval: environment: suppressed every time), no_approvers (held by the bridge, can only expire).",
    labelNames: ["runbook", "reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const entry of unheld()) {
        this.set(
          {
            runbook: runbookLabel(entry.runbook, isRunbookLoaded),
            reason: oneOf(entry.reason, UNHELD_REASONS),
          },
          1,
        );
      }
    },
  });
}
