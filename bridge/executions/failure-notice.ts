/**
 * @module
 * An execution reached a state that notifies as a failure (`notifiesFailure` in states.ts;
 * enter-state.ts calls this): the runbook's channels hear once, with the run link and what
 * the run tried.
 */
import { executionFailedNotice } from "../notify/bridge-notices.js";
import { planNotifications } from "../notify/plan.js";
import type { AuditEvent } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { type Execution, findExecution } from "../store/executions.js";
import { jobsOfExecution } from "../store/run-jobs.js";
import { type ExecutionDeps, runbookOf } from "./deps.js";
import { queueNotifications } from "./queue-notifications.js";

/** The topic of failure notices; the worker adds the run's diagnostics summary when it sends them. */
export const FAILURE_TOPIC = "execution.failed";

/**
 * An execution reached a state that notifies as a failure (`notifiesFailure` in states.ts):
 * the runbook's channels hear once, with the run link and what was tried.
 */
export async function notifyFailure(
  tx: Db,
  deps: ExecutionDeps,
  execution: Execution,
  now: number,
): Promise<AuditEvent[]> {
  const current = (await findExecution(tx, execution.id)) ?? execution;
  const runbook = runbookOf(deps, execution);
  if (!runbook) return [];
  const planned = planNotifications(runbook.notify, {
    key: `execution:${execution.id}:${current.state}`,
    topic: FAILURE_TOPIC,
    about: { executionId: execution.id, runbook: runbook.name },
    thread: `execution:${execution.id}`,
    success: false,
    severity: execution.severity,
    message: executionFailedNotice(current, runbook, await jobsOfExecution(tx, execution.id)),
    issueTitle: `${runbook.name}${execution.target ? ` on ${execution.target}` : ""} ${current.state}`.slice(
      0,
      250,
    ),
    pagerduty: {
      dedupKey: `runbridge/failed/${execution.id}`,
      source: execution.target ?? runbook.name,
      component: runbook.name,
      class: "remediation-failed",
      ...(current.runUrl ? { links: [{ href: current.runUrl, text: "Workflow run" }] } : {}),
    },
  });
  return await queueNotifications(tx, planned, now);
}
