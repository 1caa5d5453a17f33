/**
 * @module
 * Rows the loop tests start from: executions as the decision and the outbox worker leave them
 * (dispatched, with or without a run id), the alert occurrence they answer, and the loop runbooks.
 */
import { fileURLToPath } from "node:url";
import { loadRunbookSet, type RunbookSet } from "../../bridge/runbooks/runbook-set.js";
import type { Db } from "../../bridge/store/database.js";
import { insertExecution } from "../../bridge/store/execution-writes.js";
import { type Execution, findExecution, type NewExecution } from "../../bridge/store/executions.js";
import { newExecutionId } from "../../bridge/store/ids.js";
import { alerts } from "../../bridge/store/schema.js";

export const LOOP_RUNBOOKS = fileURLToPath(new URL("./runbooks", import.meta.url));

/** test/loop/runbooks: nginx-loop (approval, environment, onResolved cancel, breaker of 3, escalation). */
export function loopRunbooks(): RunbookSet {
  const { set, problems } = loadRunbookSet(LOOP_RUNBOOKS);
  if (!set) throw new Error(`loop runbooks do not load: ${problems.map(String).join("; ")}`);
  return set;
}

let occurrence = 0;

/** A dispatched nginx-loop execution on web-1 (override anything), with its firing alert row. */
export async function seedExecution(
  db: Db,
  now: number,
  over: Partial<NewExecution> = {},
): Promise<Execution> {
  occurrence += 1;
  const fingerprint = over.fingerprint ?? `f${String(occurrence).padStart(15, "0")}`;
  const startsAt = over.startsAt ?? new Date(now - 60_000).toISOString();
  const row: NewExecution = {
    id: newExecutionId(now),
    occurrenceKey: `${fingerprint}@${startsAt}`,
    fingerprint,
    startsAt,
    alertname: "NginxDown",
    severity: "critical",
    runbook: "nginx-loop",
    target: "web-1",
    mode: "approval",
    state: "dispatched",
    reason: "dispatched",
    alert: { labels: { alertname: "NginxDown", instance: "web-1:9113", severity: "critical" } },
    createdAt: now,
    updatedAt: now,
    committedAt: now,
    dispatchedAt: now,
    ...over,
  };
  await insertExecution(db, row);
  await db
    .insert(alerts)
    .values({
      fingerprint,
      startsAt,
      alertname: row.alertname,
      status: "firing",
      labels: { alertname: row.alertname, instance: "web-1:9113" },
      annotations: {},
      firstReceivedAt: now,
      lastReceivedAt: now,
    })
    .onConflictDoNothing()
    .run();
  return (await findExecution(db, row.id as string)) as Execution;
}

/** `Remediate nginx-loop on web-1 [ex_…]`, the run name remediate.yml gives its runs. */
export const runName = (execution: Pick<Execution, "id" | "runbook" | "target">) =>
  `Remediate ${execution.runbook} on ${execution.target} [${execution.id}]`;
