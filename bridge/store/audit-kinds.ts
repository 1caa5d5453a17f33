/**
 * @module
 * Every kind of audit event the bridge writes, with what it records. The `AuditKind`
 * type and the metrics' label list both come from this table, so a kind written
 * anywhere is a kind the metrics count (a new one fails to compile until it is here).
 */
export const AUDIT_KINDS = {
  "decision.pending": "an alert was decided: dispatch committed to the outbox",
  "decision.suppressed": "an alert was decided: a guard or routing said no",
  "decision.dry_run": "an alert was decided: recorded as what would have been dispatched",
  "decision.notifying": "an alert was decided: notify-only runbook; its notifications are queued",
  duplicate: "a delivery of an occurrence already decided",
  "alert.resolved": "an alert (or its whole group) resolved",
  "dispatch.attempt": "the outbox is calling GitHub",
  "dispatch.retry": "a dispatch attempt failed and is scheduled again",
  "dispatch.accepted": "GitHub accepted a dispatch",
  "dispatch.recovered": "an earlier, unanswered attempt had started a run",
  "dispatch.failed": "a dispatch was given up",
  "run.linked": "a run on GitHub was linked to its execution",
  "execution.state": "an execution moved to another state",
  "execution.cancelled": "an execution was cancelled before anything reached GitHub",
  "execution.outcome":
    "a succeeded run was judged: its alert cleared in time (verified) or still fired at the deadline (not_cleared)",
  "execution.relapse":
    "an alert fired again within its runbook's outcome.relapseWithin after a verified execution: linked to it",
  "execution.manual":
    "a run of the remediate workflow the bridge did not start (gh workflow run) was recorded",
  "run.cancel_requested": "the bridge asked GitHub to cancel a run",
  "run.cancel_skipped": "a run to cancel had already completed",
  "approval.escalated": "an approval waited too long; people were notified",
  "approval.held":
    "an approval runbook's environment cannot hold the run: the bridge holds it before dispatching",
  "approval.unprotected":
    "approval: environment, and GitHub reports no required reviewers: suppressed, never run",
  "approval.issue": "the bridge opened (or commented on) the issue where approvers answer a held approval",
  "approval.approved": "an approver approved a held approval and the gate passed: dispatched",
  "approval.rejected": "a held approval was rejected (by an approver, or the gate: the alert resolved)",
  "approval.refused":
    "an answer to a held approval changed nothing (not an approver, or the gate said no now)",
  "approval.expired": "a held approval got no answer within approvalExpiry: nothing ran",
  "approval.issue_closed":
    "a held approval's issue was told it ended unanswered (alert resolved), closed if opened for it alone",
  "gate.approved": "the approval-time gate let a remediate job proceed",
  "gate.rejected": "the approval-time gate rejected a remediate job",
  "notification.queued": "a notification (Slack, GitHub issue, PagerDuty) was queued in the outbox",
  "notification.attempt": "the notification worker is sending a notification",
  "notification.sent": "a channel took a notification",
  "notification.retry": "a notification attempt failed and is scheduled again",
  "notification.failed": "a notification was given up",
  "notification.skipped": "a notification had nothing to do (no open issue to close)",
  "breaker.opened": "a circuit breaker opened",
  "breaker.closed":
    "a circuit breaker closed: after a successful probe, or (storm) when its open period ended",
  "breaker.reset": "an operator closed a circuit breaker",
  kill_switch: "automation switched on or off",
  "runbooks.loaded": "a runbook set was activated",
  "runbooks.rejected": "a runbook set was refused; the last good one stays",
  "silence.created": "a silence was created in Alertmanager from the console",
  "github.ignored": "a GitHub event the bridge does not act on",
} as const;

export type AuditKind = keyof typeof AUDIT_KINDS;

export const auditKinds = Object.keys(AUDIT_KINDS) as AuditKind[];
