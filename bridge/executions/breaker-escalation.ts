/**
 * @module
 * A breaker that opens reaches a person; when it closes, they hear that too. Queued in the
 * transaction that changed the breaker (breaker-changes.ts), once per opening (the dedup key
 * carries when it opened): one GitHub issue per breaker (or a comment on its open one) with
 * the last failures and how to reset it, a PagerDuty trigger whose dedup_key is the breaker's,
 * and a Slack post. Closing follows the opening's rows: the same issue is commented on and
 * closed, the same incident resolved, the same webhook told.
 */
import type { BreakerChange, BreakerRecord, BreakerScopeKey } from "../breakers/state-machine.js";
import { breakerClosedNotice, breakerOpenedNotice, resetInstructions } from "../notify/bridge-notices.js";
import { planFollowUps, planNotifications } from "../notify/plan.js";
import type { ResolvedNotification } from "../runbooks/resolved-runbook.js";
import type { AuditEvent } from "../store/audit.js";
import { lastBreakerFailures } from "../store/breakers.js";
import type { Db } from "../store/database.js";
import { latestBreakerOpening } from "../store/notifications.js";
import { queueNotifications } from "./queue-notifications.js";

/** How many of a breaker's last failures its issue lists. */
const FAILURES_LISTED = 5;

/** Where a breaker change is escalated, and where the audit events of what was queued go. */
export interface BreakerEscalation {
  /** The notify channels of the runbook the breaker guards (or whose alert tripped a storm). */
  channels: readonly ResolvedNotification[];
  written: AuditEvent[];
}

export async function escalateBreakerChange(
  tx: Db,
  at: BreakerScopeKey,
  change: BreakerChange,
  record: BreakerRecord,
  escalation: BreakerEscalation,
  now: number,
): Promise<void> {
  if (change.state === "open") {
    const openedAt = record.openedAt ?? now;
    const planned = planNotifications(escalation.channels, {
      key: `breaker:${at.key}@${openedAt}:opened`,
      topic: "breaker.opened",
      about: { breakerKey: at.key, runbook: at.runbook },
      thread: `breaker:${at.key}`,
      success: false,
      severity: "critical",
      everySeverity: true,
      message: breakerOpenedNotice(
        at.key,
        change.reason,
        await lastBreakerFailures(tx, at.key, FAILURES_LISTED),
        resetInstructions(at.key),
      ),
      issueTitle: `Circuit breaker open: ${at.key}`.slice(0, 250),
      pagerduty: {
        dedupKey: `runbridge/breaker/${at.key}`,
        source: at.target ?? at.runbook ?? "runbridge",
        component: at.runbook ?? undefined,
        class: "circuit-breaker",
      },
    });
    escalation.written.push(...(await queueNotifications(tx, planned, now)));
    return;
  }
  // Closing goes where the latest opening went (its channels, whatever the runbook says now).
  const opened = await latestBreakerOpening(tx, at.key);
  const first = opened[0];
  if (!first) return;
  const followUps = planFollowUps(opened, {
    key: `breaker:${at.key}@${first.createdAt}:closed`,
    topic: "breaker.closed",
    message: breakerClosedNotice(at.key, change.reason),
    issueAction: "close",
  });
  escalation.written.push(...(await queueNotifications(tx, followUps, now)));
}
