/**
 * @module
 * Applies breaker events to the stored breakers: reads the row, asks the pure state
 * machine (breakers/state-machine.ts) for the next one, writes it. Callers run these
 * inside the transaction that caused the event (an execution failing or succeeding, a
 * storm decision, an operator's reset), so a breaker never disagrees with what caused it —
 * and the escalation to a person (breaker-escalation.ts) is queued in that transaction too.
 */

import {
  type BreakerChange,
  type BreakerEvent,
  type BreakerPolicy,
  type BreakerScopeKey,
  breakerScopeKey,
  failureWindowStart,
  nextBreaker,
  phaseOf,
} from "../breakers/state-machine.js";
import type { ResolvedBreaker } from "../runbooks/resolved-runbook.js";
import { type AuditEvent, appendAudit } from "../store/audit.js";
import {
  addBreakerFailure,
  type BreakerRow,
  breakersStoredOpen,
  countBreakerFailuresAfter,
  readBreaker,
  writeBreaker,
} from "../store/breakers.js";
import type { Db } from "../store/database.js";
import { inTransaction } from "../store/transaction.js";
import { type BreakerEscalation, escalateBreakerChange } from "./breaker-escalation.js";

export type { BreakerChange };

/** Where a runbook's failures count, or undefined when it has no breaker. */
export function runbookBreakerAt(
  config: ResolvedBreaker | undefined,
  runbook: string,
  target: string | undefined,
): BreakerScopeKey | undefined {
  return config ? breakerScopeKey(config.scope, runbook, target) : undefined;
}

async function apply(
  db: Db,
  at: BreakerScopeKey,
  event: BreakerEvent,
  now: number,
  escalation: BreakerEscalation | undefined,
): Promise<BreakerChange | undefined> {
  const next = nextBreaker(await readBreaker(db, at.key), event, at, now);
  if (!next) return undefined;
  await writeBreaker(db, next.record);
  // People hear about it in the same transaction: a breaker never opens unannounced.
  if (escalation) await escalateBreakerChange(db, at, next.change, next.record, escalation, now);
  return next.change;
}

export interface CountedOutcome {
  runbook: string;
  target: string | undefined;
  executionId: string;
  config: ResolvedBreaker | undefined;
  now: number;
  /** Escalate an opening or closing through these channels (audit events go to `written`). */
  escalation?: BreakerEscalation;
}

/** A failed execution counts against its runbook's breaker, which may open. */
export async function countFailure(
  db: Db,
  outcome: CountedOutcome & { why: string },
): Promise<BreakerChange | undefined> {
  const at = runbookBreakerAt(outcome.config, outcome.runbook, outcome.target);
  if (!at || !outcome.config) return undefined;
  const policy: BreakerPolicy = outcome.config;
  await addBreakerFailure(db, at.key, outcome.executionId, outcome.now);
  const since = failureWindowStart(await readBreaker(db, at.key), policy.withinMs, outcome.now);
  const failuresInWindow = await countBreakerFailuresAfter(db, at.key, since);
  return await apply(
    db,
    at,
    { kind: "failure", executionId: outcome.executionId, why: outcome.why, failuresInWindow, policy },
    outcome.now,
    outcome.escalation,
  );
}

/** A successful execution closes its breaker when it was the half-open probe. */
export async function countSuccess(db: Db, outcome: CountedOutcome): Promise<BreakerChange | undefined> {
  const at = runbookBreakerAt(outcome.config, outcome.runbook, outcome.target);
  if (!at) return undefined;
  return await apply(
    db,
    at,
    { kind: "success", executionId: outcome.executionId },
    outcome.now,
    outcome.escalation,
  );
}

/**
 * The storm limit opens the global breaker; it closes by itself after `openForMs`.
 * @param escalation the channels of the runbook whose alert tripped it
 */
export async function openStormBreaker(
  db: Db,
  reason: string,
  openForMs: number,
  now: number,
  escalation?: BreakerEscalation,
): Promise<BreakerChange> {
  const change = await apply(
    db,
    breakerScopeKey("global", "", undefined),
    { kind: "storm", reason, openForMs },
    now,
    escalation,
  );
  return change as BreakerChange;
}

/**
 * An operator closes a breaker, audited in the same transaction.
 * @returns the audit events, or undefined when no breaker `key` is open
 */
export async function resetBreaker(
  db: Db,
  key: string,
  reason: string,
  now: number,
): Promise<AuditEvent[] | undefined> {
  return await inTransaction(db, async (tx) => {
    const current = await readBreaker(tx, key);
    // Closing is told where the opening went: no runbook channels needed.
    const escalation: BreakerEscalation = { channels: [], written: [] };
    if (!current || !(await apply(tx, current, { kind: "reset", reason }, now, escalation))) return undefined;
    return [
      await appendAudit(tx, {
        at: now,
        kind: "breaker.reset",
        message: `breaker ${key} ${reason}`,
        data: { key },
      }),
      ...escalation.written,
    ];
  });
}

/**
 * Storm breakers close by themselves once their open period ends (the phase says closed), with
 * no event to announce it. This records each such closing, so the issue and the page opened for
 * the breaker are closed and resolved like any other breaker's; run on a timer.
 * @returns the audit events written (one `breaker.closed` per breaker, plus what was queued)
 */
export async function closeLapsedBreakers(db: Db, now: number): Promise<AuditEvent[]> {
  return await inTransaction(db, async (tx) => {
    const written: AuditEvent[] = [];
    for (const row of await breakersStoredOpen(tx)) {
      if (!row.closesAutomatically || phaseOf(row, now) !== "closed") continue;
      // Closing is told where the opening went: no runbook channels needed.
      const escalation: BreakerEscalation = { channels: [], written: [] };
      const reason = "closed by itself: its open period ended";
      if (!(await apply(tx, row, { kind: "reset", reason }, now, escalation))) continue;
      written.push(
        await appendAudit(tx, {
          at: now,
          kind: "breaker.closed",
          message: `breaker ${row.key} ${reason}`,
          data: { key: row.key },
        }),
        ...escalation.written,
      );
    }
    return written;
  });
}

/** Breakers that hold automation back now: open or half-open. */
export async function openBreakers(db: Db, now: number): Promise<BreakerRow[]> {
  return (await breakersStoredOpen(db)).filter((row) => phaseOf(row, now) !== "closed");
}
