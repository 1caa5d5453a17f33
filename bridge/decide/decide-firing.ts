/**
 * @module
 * Decides one firing alert inside the webhook's transaction: identity (duplicate?),
 * routing, guards, mode; then writes the execution, its audit events and, when it
 * dispatches, its outbox row. Nothing here talks to GitHub.
 */
import type { NormalizedAlert } from "../alerts/types.js";
import { evaluateGuards } from "../guards/index.js";
import type { Verdict } from "../guards/types.js";
import type { LoadedRunbook } from "../runbooks/loaded-runbook.js";
import type { RouteResult } from "../runbooks/match-index.js";
import { openGlobalBreaker } from "../store/breakers.js";
import {
  type Execution,
  findExecutionByOccurrence,
  findOpenGroupExecution,
  insertExecution,
} from "../store/executions.js";
import { loadGuardState } from "../store/guard-state.js";
import { newExecutionId } from "../store/ids.js";
import { enqueueDispatch } from "../store/outbox.js";
import type { ExecutionState } from "../store/schema.js";
import { compactAlert } from "./compact-alert.js";
import { audit, type DecisionContext, type DecisionOutcome } from "./context.js";
import { alertOccurrenceKey, groupOccurrenceKey } from "./occurrence.js";

interface Decision {
  state: ExecutionState;
  guard: string | null;
  reason: string;
}

function describeRoute(route: RouteResult): string {
  const lost = route.lost.map((candidate) => `${candidate.runbook.runbook.name} (${candidate.reason})`);
  return lost.length ? `${route.reason}; lost: ${lost.join(", ")}` : route.reason;
}

function modeDecision(loaded: LoadedRunbook, context: DecisionContext, target: string | undefined): Decision {
  const { runbook } = loaded;
  const on = target ? ` on ${target}` : "";
  if (runbook.mode === "notify") {
    return {
      state: "notified",
      guard: "mode",
      reason: `notify only: ${runbook.name} records and notifies, never remediates`,
    };
  }
  if (runbook.mode === "dry-run") {
    return {
      state: "dry_run",
      guard: "mode",
      reason: `dry-run: ${runbook.name}${on} would be dispatched (runbook mode dry-run)`,
    };
  }
  if (context.dryRun) {
    return {
      state: "dry_run",
      guard: "dry_run",
      reason: `dry-run: ${runbook.name}${on} would be dispatched (bridge in dry-run; set GitHub credentials or RUNBRIDGE_DRY_RUN=false)`,
    };
  }
  const gate =
    runbook.mode === "approval" ? `; remediate waits for approval in environment ${runbook.environment}` : "";
  return {
    state: "pending",
    guard: null,
    reason: `dispatching ${runbook.name}${on} via ${runbook.workflow}@${runbook.ref}${gate}`,
  };
}

function occurrenceKeyFor(
  alert: NormalizedAlert,
  route: RouteResult,
  groupStart: (runbook: string) => string,
): string {
  const runbook = route.winner?.runbook.runbook;
  if (runbook?.guards?.group === "group" && alert.groupKey) {
    return groupOccurrenceKey(runbook.name, alert.groupKey, groupStart(runbook.name));
  }
  return alertOccurrenceKey(alert);
}

function duplicateOutcome(
  context: DecisionContext,
  alert: NormalizedAlert,
  existing: Execution,
): DecisionOutcome {
  const reason = `duplicate: this occurrence was already decided as ${existing.state} (${existing.id})`;
  audit(context, {
    kind: "duplicate",
    executionId: existing.id,
    alertname: alert.alertname,
    runbook: existing.runbook,
    target: existing.target,
    message: reason,
    data: { fingerprint: alert.fingerprint, startsAt: alert.startsAt },
  });
  return { id: existing.id, runbook: existing.runbook, state: "duplicate", reason };
}

export function decideFiring(
  context: DecisionContext,
  alert: NormalizedAlert,
  groupStart: (runbook: string) => string,
): DecisionOutcome {
  const route = context.runbooks.index.route(alert);
  const occurrenceKey = occurrenceKeyFor(alert, route, groupStart);
  const groupRunbook = route.winner?.runbook.runbook;
  // A group's episode lasts until the whole group resolves, whichever of its alerts come and go.
  const existing =
    groupRunbook?.guards?.group === "group" && alert.groupKey
      ? findOpenGroupExecution(context.db, groupRunbook.name, alert.groupKey)
      : findExecutionByOccurrence(context.db, occurrenceKey);
  if (existing) return duplicateOutcome(context, alert, existing);

  const winner = route.winner?.runbook;
  const target = route.target;
  let decision: Decision;
  let verdict: Verdict = { allow: true };
  if (!winner) {
    decision = {
      state: "suppressed",
      guard: "no_runbook",
      reason: `no runbook: ${route.reason} (alertname ${alert.alertname})`,
    };
  } else {
    const runbook = winner.runbook;
    const state = loadGuardState(context.db, {
      runbook: runbook.name,
      target,
      breakerScope: runbook.guards.breaker?.scope,
      stormWindowMs: context.storm.windowMs,
      staleAfterMs: context.staleAfterMs,
      now: context.now,
    });
    verdict = evaluateGuards({ alert, runbook, target, state, storm: context.storm, now: context.now });
    decision = verdict.allow
      ? modeDecision(winner, context, target)
      : { state: "suppressed", guard: verdict.guard, reason: verdict.reason };
  }

  const id = newExecutionId(context.now);
  const dispatching = decision.state === "pending";
  insertExecution(context.db, {
    id,
    occurrenceKey,
    fingerprint: alert.fingerprint,
    startsAt: alert.startsAt,
    groupKey: alert.groupKey,
    alertname: alert.alertname,
    severity: alert.severity,
    runbook: winner?.runbook.name ?? null,
    runbookHash: winner?.sourceHash ?? null,
    runbookSha: context.runbooks.commitSha ?? null,
    target: target ?? null,
    mode: winner?.runbook.mode ?? null,
    state: decision.state,
    guard: decision.guard,
    reason: decision.reason,
    alert: compactAlert(alert),
    createdAt: context.now,
    updatedAt: context.now,
    committedAt: dispatching ? context.now : null,
  });
  if (dispatching) enqueueDispatch(context.db, id, alert.severity, context.now);
  audit(context, {
    kind: `decision.${decision.state}`,
    executionId: id,
    alertname: alert.alertname,
    runbook: winner?.runbook.name ?? null,
    target: target ?? null,
    message: decision.reason,
    data: {
      guard: decision.guard,
      route: describeRoute(route),
      fingerprint: alert.fingerprint,
      startsAt: alert.startsAt,
    },
  });
  if (!verdict.allow && verdict.opensGlobalBreaker) {
    openGlobalBreaker(context.db, context.now, context.storm.openForMs, verdict.reason);
    audit(context, {
      kind: "breaker.opened",
      executionId: id,
      alertname: alert.alertname,
      message: verdict.reason,
      data: { key: "global" },
    });
  }
  return { id, runbook: winner?.runbook.name ?? null, state: decision.state, reason: decision.reason };
}
