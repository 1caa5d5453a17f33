/**
 * @module
 * Every table of the bridge's SQLite database. camelCase properties, snake_case columns.
 * Cooldown and rate limits are derived from `executions`, never kept as counters, so
 * there is one truth to audit. Uniqueness of an alert occurrence is enforced here, by
 * the database, not by process memory.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { type ExecutionState, executionStates } from "../executions/states.js";
import type { NotificationRequest } from "../notify/request.js";

/** Last known state of each alert occurrence (fingerprint + startsAt). */
export const alerts = sqliteTable(
  "alerts",
  {
    fingerprint: text("fingerprint").notNull(),
    startsAt: text("starts_at").notNull(),
    alertname: text("alertname").notNull(),
    status: text("status", { enum: ["firing", "resolved"] }).notNull(),
    labels: text("labels", { mode: "json" }).$type<Record<string, string>>().notNull(),
    annotations: text("annotations", { mode: "json" }).$type<Record<string, string>>().notNull(),
    endsAt: text("ends_at"),
    firstReceivedAt: integer("first_received_at").notNull(),
    lastReceivedAt: integer("last_received_at").notNull(),
    /** How many times Alertmanager delivered it (HA peers, retries, repeat_interval). */
    deliveries: integer("deliveries").notNull().default(1),
    resolvedAt: integer("resolved_at"),
  },
  (table) => [uniqueIndex("alerts_occurrence").on(table.fingerprint, table.startsAt)],
);

export type { ExecutionState };

/** One decision per alert occurrence (or per Alertmanager group, for group runbooks). */
export const executions = sqliteTable(
  "executions",
  {
    id: text("id").primaryKey(),
    /** fingerprint@startsAt, or group:<runbook>:<groupKey>@<startsAt>: the occurrence this execution answers. */
    occurrenceKey: text("occurrence_key").notNull(),
    fingerprint: text("fingerprint").notNull(),
    startsAt: text("starts_at").notNull(),
    groupKey: text("group_key").notNull().default(""),
    alertname: text("alertname").notNull(),
    severity: text("severity").notNull(),
    runbook: text("runbook"),
    /** sha256 of the runbook file that decided, and the set's Git commit when known. */
    runbookHash: text("runbook_hash"),
    runbookSha: text("runbook_sha"),
    target: text("target"),
    mode: text("mode"),
    state: text("state", { enum: executionStates }).notNull(),
    /** Which guard said no (suppressed), or the mode that recorded without dispatching. */
    guard: text("guard"),
    reason: text("reason").notNull(),
    alert: text("alert", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    runId: integer("run_id"),
    runUrl: text("run_url"),
    dispatchAttempts: integer("dispatch_attempts").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** When the bridge committed to dispatch (outbox row written); cooldown and rate limits count these. */
    committedAt: integer("committed_at"),
    /** When GitHub accepted the dispatch. */
    dispatchedAt: integer("dispatched_at"),
    finishedAt: integer("finished_at"),
    alertResolvedAt: integer("alert_resolved_at"),
    /** When the remediate job started waiting for reviewers (for escalation). */
    awaitingSince: integer("awaiting_since"),
    approvalEscalatedAt: integer("approval_escalated_at"),
    /** The alert resolved and the runbook cancels: the run on GitHub is to be cancelled. */
    cancelRequestedAt: integer("cancel_requested_at"),
    /** The approval gate's answer could not be delivered to GitHub; the reconciler retries it. */
    gatePendingEnvironment: text("gate_pending_environment"),
    /**
     * The bridge holds this execution's approval (its environment has no required reviewers):
     * set while it waits in the bridge, before anything is dispatched; cleared when answered.
     */
    approvalHeldAt: integer("approval_held_at"),
    /** The GitHub issue where approvers answer a held approval (/approve, /reject). */
    approvalIssue: integer("approval_issue"),
    /** Who approved a held approval (a GitHub login), recorded with the dispatch it led to. */
    approvedBy: text("approved_by"),
    /**
     * The run succeeded: by this time the alert must have cleared (`verified`), else the bridge
     * asks Alertmanager and records `not_cleared` (the runbook's outcome.within plus a grace).
     */
    verifyBy: integer("verify_by"),
    /** When the alert cleared: Alertmanager's endsAt, or when its API no longer listed it active. */
    clearedAt: integer("cleared_at"),
    /** The earlier, verified execution whose alert fired again within its runbook's outcome.relapseWithin. */
    relapseOf: text("relapse_of"),
    /**
     * A held approval ended without an answer in its issue (its alert resolved): the reconciler
     * says so there (closing the issue when it was opened for this execution alone), then clears it.
     */
    approvalIssueNoticeAt: integer("approval_issue_notice_at"),
    /** Who started it: `alert` (the bridge decided) or `manual` (a `gh workflow run` it did not start). */
    source: text("source", { enum: ["alert", "manual"] })
      .notNull()
      .default("alert"),
    /** For a manual run: the GitHub login that started it. */
    actor: text("actor"),
  },
  (table) => [
    uniqueIndex("executions_occurrence").on(table.occurrenceKey),
    // Partial indexes: cooldown, rate limits and the storm limit only look at committed
    // dispatches, so suppressed and dry-run rows (most rows during a storm) stay out of them
    // and cost nothing to index. Every decision writes one row; fewer B-trees, faster commits.
    index("executions_runbook_target")
      .on(table.runbook, table.target, table.committedAt)
      .where(sql`committed_at IS NOT NULL`),
    index("executions_runbook_committed")
      .on(table.runbook, table.committedAt)
      .where(sql`committed_at IS NOT NULL`),
    index("executions_committed").on(table.committedAt).where(sql`committed_at IS NOT NULL`),
    index("executions_state").on(table.state),
    index("executions_fingerprint").on(table.fingerprint, table.startsAt),
    index("executions_run").on(table.runId).where(sql`run_id IS NOT NULL`),
    index("executions_group").on(table.groupKey, table.runbook).where(sql`group_key <> ''`),
    // The runbook scorecard (GET /api/runbooks) counts 30 days of decisions by runbook, state
    // and guard. Covering those columns in that order lets SQLite answer from this index alone,
    // already grouped (no temporary B-tree, no wide row with its alert JSON read): about 5×
    // faster than the id range on 500k rows. One more B-tree per decision is the price.
    index("executions_scorecard").on(table.runbook, table.state, table.guard, table.id, table.dispatchedAt),
    // Its times to resolution and relapses read only executions that were dispatched and whose
    // alert resolved: few rows, entered when a resolved notification arrives (never by a
    // decision), covering what those queries read, so no wide row is visited.
    index("executions_resolved")
      .on(
        table.state,
        table.id,
        table.runbook,
        table.fingerprint,
        table.startsAt,
        table.dispatchedAt,
        table.alertResolvedAt,
      )
      .where(sql`alert_resolved_at IS NOT NULL AND dispatched_at IS NOT NULL`),
    // The outcome watcher's deadline sweep reads only executions waiting for their alert to clear.
    index("executions_verify_by").on(table.verifyBy).where(sql`verify_by IS NOT NULL`),
    // The scorecard counts relapses by runbook: the few executions linked to an earlier one.
    index("executions_relapse").on(table.runbook, table.id).where(sql`relapse_of IS NOT NULL`),
  ],
);

/** Dispatches waiting to reach GitHub, written in the same transaction as the decision. */
export const outbox = sqliteTable(
  "outbox",
  {
    executionId: text("execution_id")
      .primaryKey()
      .references(() => executions.id),
    /** Lower is sooner: critical alerts go first when GitHub throttles. */
    priority: integer("priority").notNull(),
    state: text("state", { enum: ["pending", "in_flight", "done", "cancelled", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    lastError: text("last_error"),
    /** Set when an attempt may have reached GitHub without us learning the answer (crash, timeout, 5xx):
     * the next attempt first looks for a run carrying the execution id. */
    uncertainSince: integer("uncertain_since"),
    /**
     * While in flight: until when the claiming bridge answers for the row. It renews the lease
     * while its call runs; a bridge that died stops renewing, and once the lease ran out any
     * bridge sharing the database takes the row back (looking the run up first).
     */
    leaseUntil: integer("lease_until"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("outbox_ready").on(table.state, table.priority, table.nextAttemptAt)],
);

/**
 * Notifications the bridge sends itself (Slack-compatible webhooks, GitHub issues, PagerDuty),
 * each written in the same transaction as the event that causes it and drained by the
 * notification worker. `dedupKey` names one logical notification: queuing it again (a
 * redelivered alert, a retried transition) adds nothing, so nothing is sent twice.
 */
export const notifications = sqliteTable(
  "notifications",
  {
    /** Queue order: within a thread, a row is sent only after every earlier one finished. */
    id: integer("id").primaryKey({ autoIncrement: true }),
    dedupKey: text("dedup_key").notNull(),
    channel: text("channel", { enum: ["slack", "issue", "pagerduty"] }).notNull(),
    /** What caused it (execution.notify, execution.resolved, execution.failed, breaker.opened, …). */
    topic: text("topic").notNull(),
    executionId: text("execution_id"),
    breakerKey: text("breaker_key"),
    runbook: text("runbook"),
    /**
     * Rows about the same thing, sent in order: a breaker's issue is opened before it is
     * closed, a PagerDuty incident triggered before it is resolved. For issues, also the key
     * of the issue thread (`notification_threads`).
     */
    thread: text("thread"),
    /** What to send, rendered when queued (alert text already escaped for its channel). */
    request: text("request", { mode: "json" }).$type<NotificationRequest>().notNull(),
    state: text("state", { enum: ["pending", "in_flight", "sent", "failed", "skipped"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    lastError: text("last_error"),
    /** What the channel answered for a sent row (issue URL, PagerDuty dedup_key). */
    result: text("result"),
    /** While in flight: until when the claiming bridge answers for the row (as outbox.lease_until). */
    leaseUntil: integer("lease_until"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    uniqueIndex("notifications_dedup").on(table.dedupKey),
    index("notifications_ready").on(table.state, table.nextAttemptAt),
    index("notifications_thread").on(table.thread, table.id).where(sql`thread IS NOT NULL`),
    index("notifications_execution").on(table.executionId).where(sql`execution_id IS NOT NULL`),
  ],
);

/** The GitHub issue a notification thread writes to (a breaker's issue), while it is open. */
export const notificationThreads = sqliteTable("notification_threads", {
  thread: text("thread").primaryKey(),
  issueNumber: integer("issue_number").notNull(),
  issueUrl: text("issue_url").notNull(),
  open: integer("open", { mode: "boolean" }).notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Circuit breakers by scope key: `runbook:<name>`, `target:<name>:<target>` or `global`. */
export const breakers = sqliteTable("breakers", {
  key: text("key").primaryKey(),
  scope: text("scope", { enum: ["runbook", "target", "global"] }).notNull(),
  runbook: text("runbook"),
  target: text("target"),
  state: text("state", { enum: ["open", "closed"] }).notNull(),
  openedAt: integer("opened_at"),
  /** When the breaker turns half-open and lets one execution through. */
  halfOpenAt: integer("half_open_at"),
  /** Failures before this time no longer count (set when the breaker closes or is reset). */
  countFailuresFrom: integer("count_failures_from").notNull().default(0),
  reason: text("reason").notNull().default(""),
  /** Storm breakers close by themselves after openFor; failure breakers need a successful probe. */
  closesAutomatically: integer("closes_automatically", { mode: "boolean" }).notNull().default(false),
  updatedAt: integer("updated_at").notNull(),
});

/** Failures that feed breakers, one row per failed execution and scope key. */
export const breakerFailures = sqliteTable(
  "breaker_failures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    key: text("key").notNull(),
    executionId: text("execution_id").notNull(),
    at: integer("at").notNull(),
  },
  (table) => [
    uniqueIndex("breaker_failures_once").on(table.key, table.executionId),
    index("breaker_failures_key_at").on(table.key, table.at),
    // Retention deletes an execution's failures with it; failures are written rarely, so this costs no decision anything.
    index("breaker_failures_execution").on(table.executionId),
  ],
);

/** Append-only record of every decision, dispatch attempt and state change. */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    kind: text("kind").notNull(),
    executionId: text("execution_id"),
    alertname: text("alertname"),
    runbook: text("runbook"),
    target: text("target"),
    message: text("message").notNull(),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (table) => [
    index("audit_kind_at").on(table.kind, table.at),
    index("audit_execution").on(table.executionId),
  ],
);

/** Operator switches that must survive restarts (the kill switch). */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: integer("updated_at").notNull().default(sql`(unixepoch() * 1000)`),
});

/** Jobs of each execution's workflow run, as GitHub's workflow_job webhooks report them. */
export const runJobs = sqliteTable(
  "run_jobs",
  {
    jobId: integer("job_id").primaryKey(),
    executionId: text("execution_id").notNull(),
    runId: integer("run_id").notNull(),
    name: text("name").notNull(),
    /** queued < waiting < in_progress < completed; never moves backwards. */
    status: text("status").notNull(),
    conclusion: text("conclusion"),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("run_jobs_execution").on(table.executionId)],
);

/**
 * Work that must happen once however many bridges share the database (the reconciler, the
 * outcome and breaker timers, retention) runs on the bridge holding its lease; the holder
 * renews it while it lives, and when it dies another bridge takes the lease once it expired.
 */
export const leases = sqliteTable("leases", {
  name: text("name").primaryKey(),
  /** The bridge process holding it (its instance id). */
  holder: text("holder").notNull(),
  expiresAt: integer("expires_at").notNull(),
});
