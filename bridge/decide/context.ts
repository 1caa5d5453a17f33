import type { StormLimit } from "../guards/types.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import { type AuditEvent, appendAudit, type NewAuditEvent } from "../store/audit.js";
import type { Db } from "../store/database.js";
import type { ExecutionState } from "../store/schema.js";
import { writeBehind } from "../store/transaction.js";

/** Everything one decision needs; `db` is the open transaction. */
export interface DecisionContext {
  db: Db;
  runbooks: RunbookSet;
  /** Global dry-run: decide and record, never dispatch. */
  dryRun: boolean;
  storm: StormLimit;
  staleAfterMs: number;
  now: number;
  /** The notifying Alertmanager's URL, for silence links in notifications. */
  externalURL?: string;
  /**
   * Audit events written in this transaction, published to listeners after commit. Complete
   * only once the transaction returned (store/transaction.ts writeBehind).
   */
  written: AuditEvent[];
  /** A resolved alert asked for a run on GitHub to be cancelled (done after commit). */
  cancelRequested?: boolean;
}

/** Appends an audit event to the decision's transaction; it reaches `written` as writeBehind says. */
export async function audit(context: DecisionContext, event: Omit<NewAuditEvent, "at">): Promise<void> {
  await writeBehind(
    context.db,
    () => appendAudit(context.db, { at: context.now, ...event }),
    (written) => context.written.push(written),
  );
}

/** The answer for one alert, as returned to Alertmanager. */
export interface DecisionOutcome {
  id: string | null;
  runbook: string | null;
  state: ExecutionState | "duplicate" | "resolved";
  reason: string;
}
