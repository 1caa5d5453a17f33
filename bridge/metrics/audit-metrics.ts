/**
 * @module
 * Counters fed by the audit bus. Every decision, dispatch attempt and state change is
 * already an audit event published after its commit, so counting events counts exactly
 * what the database recorded — nothing is counted for a delivery that was rolled back.
 *
 * @example
 *   const observe = createAuditMetrics(registry, { isRunbookLoaded, executionCreatedAt });
 *   bus.subscribe(observe);
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { DECISION_OUTCOMES, isExecutionState, RUN_OUTCOME_STATES } from "../executions/states.js";
import type { AuditEvent } from "../store/audit.js";
import {
  AUDIT_KIND_LABELS,
  EXECUTION_STATE_LABELS,
  GUARD_LABELS,
  OTHER,
  oneOf,
  runbookLabel,
} from "./label-values.js";

export interface AuditMetricsLookups {
  /** True for names of the loaded runbook set: only those become label values. */
  isRunbookLoaded(name: string): boolean;
  /** When the bridge received the alert behind an execution (its `createdAt`), for latency. */
  executionCreatedAt(executionId: string): number | undefined;
}

/** When the metrics start: the last event times recorded before this process started. */
export interface AuditMetricsStart {
  lastEventAt?: number;
  lastAlertAt?: number;
}

/** Seconds from the alert reaching the bridge to GitHub accepting its dispatch. */
export const DISPATCH_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/** Seconds from the alert's start (or the dispatch) to its end, for runs verified to have cleared it. */
export const RESOLUTION_BUCKETS = [30, 60, 120, 180, 300, 600, 900, 1200, 1800, 3600, 7200, 14400];

const RUN_OUTCOMES: readonly string[] = RUN_OUTCOME_STATES;

const FIRING_KINDS = new Set(["duplicate"]);
const RESOLVED_KINDS = new Set(["alert.resolved", "execution.cancelled"]);
/** The bridge's own notifications: what became of each attempt, by channel. */
const NOTIFICATION_OUTCOME_BY_KIND: Record<string, string> = {
  "notification.sent": "sent",
  "notification.retry": "retried",
  "notification.failed": "failed",
  "notification.skipped": "skipped",
};
const NOTIFICATION_CHANNELS = ["slack", "issue", "pagerduty"] as const;

const DISPATCH_RESULT_BY_KIND: Record<string, string> = {
  "dispatch.accepted": "accepted",
  "dispatch.recovered": "recovered",
  "dispatch.retry": "retried",
  "dispatch.failed": "failed",
};

function dataField(event: AuditEvent, name: string): unknown {
  const data = event.data;
  return data && typeof data === "object" ? (data as Record<string, unknown>)[name] : undefined;
}

/**
 * Registers the event-fed metrics on `registry`.
 *
 * @param registry the bridge's prom-client registry
 * @param lookups how to bound runbook labels and find an execution's start
 * @param start last event times from the database, so a restart does not look like silence
 * @returns the bus subscriber that updates them
 */
export function createAuditMetrics(
  registry: Registry,
  lookups: AuditMetricsLookups,
  start: AuditMetricsStart = {},
): (event: AuditEvent) => void {
  const registers = [registry];
  const alertsReceived = new Counter({
    name: "runbridge_alerts_received_total",
    help: "Alerts from Alertmanager recorded by the bridge, by status (firing includes repeated deliveries).",
    labelNames: ["status"],
    registers,
  });
  const decisions = new Counter({
    name: "runbridge_decisions_total",
    help: "Decisions on firing alerts by runbook and outcome; guard names what stopped a suppressed one (or the mode for dry-run/notify).",
    labelNames: ["runbook", "outcome", "guard"],
    registers,
  });
  const duplicates = new Counter({
    name: "runbridge_duplicate_deliveries_total",
    help: "Deliveries of an alert occurrence that was already decided (HA pairs, retries, repeat_interval).",
    labelNames: ["runbook"],
    registers,
  });
  const dispatchAttempts = new Counter({
    name: "runbridge_dispatch_attempts_total",
    help: "Outbox turns by result: accepted by GitHub, recovered (an earlier call had started the run), retried, failed for good.",
    labelNames: ["runbook", "result"],
    registers,
  });
  const dispatchLatency = new Histogram({
    name: "runbridge_alert_to_dispatch_seconds",
    help: "Seconds from the alert reaching the bridge to GitHub accepting its dispatch.",
    labelNames: ["runbook"],
    buckets: DISPATCH_LATENCY_BUCKETS,
    registers,
  });
  const notificationAttempts = new Counter({
    name: "runbridge_notifications_total",
    help: "Notifications the bridge sent itself (Slack, GitHub issue, PagerDuty) by channel and outcome: sent, retried, failed for good, skipped (nothing to do).",
    labelNames: ["channel", "outcome"],
    registers,
  });
  const transitions = new Counter({
    name: "runbridge_execution_transitions_total",
    help: "Execution state changes reported by GitHub's webhooks, by runbook and new state.",
    labelNames: ["runbook", "state"],
    registers,
  });
  const outcomes = new Counter({
    name: "runbridge_execution_outcomes_total",
    help: "How dispatched runs ended, by runbook and outcome: verified (the alert cleared in time), not_cleared, rolled_back, failed.",
    labelNames: ["runbook", "outcome"],
    registers,
  });
  const timeToResolution = new Histogram({
    name: "runbridge_time_to_resolution_seconds",
    help: "Seconds until the alert of a verified run ended, from the alert's start (from=alert_start) or from the dispatch (from=dispatch). Runs whose resolved notification was lost (only an upper bound known) are not observed.",
    labelNames: ["runbook", "from"],
    buckets: RESOLUTION_BUCKETS,
    registers,
  });
  const relapses = new Counter({
    name: "runbridge_relapses_total",
    help: "Alerts that fired again within the runbook's outcome.relapseWithin after a verified execution, by runbook.",
    labelNames: ["runbook"],
    registers,
  });
  const reloads = new Counter({
    name: "runbridge_runbook_reloads_total",
    help: "Runbook set loads by result (rejected: the last good set stayed active).",
    labelNames: ["result"],
    registers,
  });
  const auditEvents = new Counter({
    name: "runbridge_audit_events_total",
    help: "Audit events written, by kind.",
    labelNames: ["kind"],
    registers,
  });
  const lastEvent = new Gauge({
    name: "runbridge_last_event_timestamp_seconds",
    help: "Unix time of the last audit event of any kind.",
    registers,
  });
  const lastAlert = new Gauge({
    name: "runbridge_last_alert_received_timestamp_seconds",
    help: "Unix time the bridge last recorded an alert from Alertmanager (firing, repeated or resolved).",
    registers,
  });

  // Series that alert rules compare against exist from the first scrape, at zero.
  for (const status of ["firing", "resolved"]) alertsReceived.inc({ status }, 0);
  for (const result of ["loaded", "rejected"]) reloads.inc({ result }, 0);
  for (const channel of NOTIFICATION_CHANNELS) {
    for (const outcome of ["sent", "failed"]) notificationAttempts.inc({ channel, outcome }, 0);
  }
  if (start.lastEventAt !== undefined) lastEvent.set(start.lastEventAt / 1000);
  if (start.lastAlertAt !== undefined) lastAlert.set(start.lastAlertAt / 1000);

  return function observeAuditEvent(event) {
    const kind = event.kind;
    const runbook = runbookLabel(event.runbook, lookups.isRunbookLoaded);
    auditEvents.inc({ kind: oneOf(kind, AUDIT_KIND_LABELS) });
    lastEvent.set(event.at / 1000);

    if (kind.startsWith("decision.")) {
      const state = kind.slice("decision.".length);
      const outcome = (isExecutionState(state) && DECISION_OUTCOMES.get(state)) || OTHER;
      const guard = outcome === "dispatched" ? "" : oneOf(dataField(event, "guard"), GUARD_LABELS);
      decisions.inc({ runbook, outcome, guard });
      alertsReceived.inc({ status: "firing" });
      lastAlert.set(event.at / 1000);
      return;
    }
    if (FIRING_KINDS.has(kind)) {
      duplicates.inc({ runbook });
      alertsReceived.inc({ status: "firing" });
      lastAlert.set(event.at / 1000);
      return;
    }
    if (RESOLVED_KINDS.has(kind)) {
      alertsReceived.inc({ status: "resolved" });
      lastAlert.set(event.at / 1000);
      return;
    }
    const result = DISPATCH_RESULT_BY_KIND[kind];
    if (result) {
      dispatchAttempts.inc({ runbook, result });
      if (result === "accepted" && event.executionId) {
        const receivedAt = lookups.executionCreatedAt(event.executionId);
        if (receivedAt !== undefined) {
          dispatchLatency.observe({ runbook }, Math.max(0, event.at - receivedAt) / 1000);
        }
      }
      return;
    }
    const notified = NOTIFICATION_OUTCOME_BY_KIND[kind];
    if (notified) {
      notificationAttempts.inc({
        channel: oneOf(dataField(event, "channel"), NOTIFICATION_CHANNELS),
        outcome: notified,
      });
      return;
    }
    if (kind === "execution.state" || kind === "execution.outcome") {
      const to = dataField(event, "to");
      transitions.inc({ runbook, state: oneOf(to, EXECUTION_STATE_LABELS) });
      // A failed run found rolled back later (its job's event came after the run's) was counted once already.
      const from = dataField(event, "from");
      if (typeof to === "string" && RUN_OUTCOMES.includes(to) && !RUN_OUTCOMES.includes(String(from))) {
        outcomes.inc({ runbook, outcome: to });
      }
      if (to === "verified" && dataField(event, "exact") === true) {
        for (const [from, field] of [
          ["alert_start", "sinceStartMs"],
          ["dispatch", "sinceDispatchMs"],
        ] as const) {
          const ms = dataField(event, field);
          if (typeof ms === "number") timeToResolution.observe({ runbook, from }, ms / 1000);
        }
      }
      return;
    }
    if (kind === "execution.relapse") {
      relapses.inc({ runbook });
      return;
    }
    if (kind === "runbooks.loaded") reloads.inc({ result: "loaded" });
    else if (kind === "runbooks.rejected") reloads.inc({ result: "rejected" });
  };
}
