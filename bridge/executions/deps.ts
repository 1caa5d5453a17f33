/**
 * @module
 * What every transition needs: the database (the transition opens its own transaction,
 * nested as a savepoint when the caller already has one) and the live runbook set (the
 * runbook's breaker settings decide what a failure opens).
 */

import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import type { Db } from "../store/database.js";
import type { Execution } from "../store/executions.js";

export interface ExecutionDeps {
  db: Db;
  runbooks: () => RunbookSet | undefined;
}

/** The loaded runbook an execution was decided by, if it is still loaded. */
export function runbookOf(
  deps: ExecutionDeps,
  execution: Pick<Execution, "runbook">,
): ResolvedRunbook | undefined {
  return execution.runbook ? deps.runbooks()?.index.byName.get(execution.runbook)?.runbook : undefined;
}
