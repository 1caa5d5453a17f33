/**
 * @module
 * Decides one firing alert inside the webhook's transaction: identity (duplicate?),
 * routing, guards, mode; then writes the execution, its audit events and, when it
 * dispatches, its outbox row. Nothing here talks to GitHub.
 */
import type { NormalizedAlert } from "../alerts/types.js";
import { runbookBreakerAt } from "../executions/breaker-changes.js";
import { type DecidedState, recordDecision } from "../executions/decision.js";
import { evaluateGuards } from "../guards/index.js";
import type { Verdict } from "../guards/types.js";
import { silenceLink } from "../notify/bridge-notices.js";
import type { LoadedRunbook } from "../runbooks/loaded-runbook.js";
import type { RouteResult } from "../runbooks/match-index.js";
import {
  type Execution,
  findExecutionByOccurrence,
  findOpenGroupExecution,
  lastVerifiedSince,
} from "../store/executions.js";
import { newExecutionId } from "../store/ids.js";
import type { CompactAlert } from "./compact-alert.js";
import { audit, type DecisionContext, type DecisionOutcome } from "./context.js";
import { loadGuardState } from "./guard-state.js";
import { alertOccurrenceKey, groupOccurrenceKey } from "./occurrence.js";

interface Decision {
  state: DecidedState;
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
      state: "notifying",
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

async function duplicateOutcome(
  context: DecisionContext,
  alert: NormalizedAlert,
  existing: Execution,
): Promise<DecisionOutcome> {
  const reason = `duplicate: this occurrence was already decided as ${existing.state} (${existing.id})`;
  await audit(context, {
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

/**
 * @param kept the bounded copy of the alert (compact-alert.ts) kept on the execution
 */
export async function decideFiring(
  context: DecisionContext,
  alert: NormalizedAlert,
  groupStart: (runbook: string) => string,
  kept: CompactAlert,
): Promise<DecisionOutcome> {
  const route = context.runbooks.index.route(alert);
  const occurrenceKey = occurrenceKeyFor(alert, route, groupStart);
  const winner = route.winner?.runbook;
  const runbook = winner?.runbook;
  const target = route.target;
  const breaker = runbook ? runbookBreakerAt(runbook.guards?.breaker, runbook.name, target) : undefined;
  // The same alert (fingerprint) firing again soon after this runbook was verified to clear it.
  const relapseWithin = runbook?.outcome;
  // The decision's reads, asked together: on PostgreSQL they go out in one write and come back
  // in one round trip. The guard state is read even when the occurrence turns out to be a
  // duplicate; on SQLite that is a few prepared reads.
  const [existing, state, earlier] = await Promise.all([
    // A group's episode lasts until the whole group resolves, whichever of its alerts come and go;
    // after that, a delivery of the same episode again (its start unchanged: an HA peer's late
    // copy) is a duplicate of it, not a second execution with its key.
    runbook?.guards?.group === "group" && alert.groupKey
      ? Promise.all([
          findOpenGroupExecution(context.db, runbook.name, alert.groupKey),
          findExecutionByOccurrence(context.db, occurrenceKey),
        ]).then(([open, same]) => open ?? same)
      : findExecutionByOccurrence(context.db, occurrenceKey),
    runbook
      ? loadGuardState(context.db, {
          runbook: runbook.name,
          target,
          // A global-scope runbook's breaker is the global breaker, which is always read.
          breakerKey: breaker?.scope === "global" ? undefined : breaker?.key,
          stormWindowMs: context.storm.windowMs,
          staleAfterMs: context.staleAfterMs,
          now: context.now,
        })
      : undefined,
    runbook && relapseWithin && !occurrenceKey.startsWith("group:")
      ? lastVerifiedSince(
          context.db,
          alert.fingerprint,
          runbook.name,
          context.now - relapseWithin.relapseWithinMs,
        )
      : undefined,
  ]);
  if (existing) return await duplicateOutcome(context, alert, existing);

  let decision: Decision;
  let verdict: Verdict = { allow: true };
  if (!winner || !runbook || !state) {
    decision = {
      state: "suppressed",
      guard: "no_runbook",
      reason: `no runbook: ${route.reason} (alertname ${alert.alertname})`,
    };
  } else {
    verdict = evaluateGuards({ alert, runbook, target, state, storm: context.storm, now: context.now });
    decision = verdict.allow
      ? modeDecision(winner, context, target)
      : { state: "suppressed", guard: verdict.guard, reason: verdict.reason };
  }

  const id = newExecutionId(context.now);
  await recordDecision(
    context.db,
    {
      execution: {
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
        alert: kept,
        createdAt: context.now,
      },
      route: describeRoute(route),
      relapse:
        earlier && relapseWithin && earlier.clearedAt !== null
          ? { of: earlier.id, clearedAt: earlier.clearedAt, relapseWithin: relapseWithin.relapseWithin }
          : undefined,
      notify:
        decision.state === "notifying" && winner
          ? {
              runbook: winner.runbook,
              links: {
                generatorURL: alert.generatorURL,
                silenceURL: silenceLink(context.externalURL, alert.labels),
              },
            }
          : undefined,
      // The storm breaker escalates through the channels of the runbook whose alert tripped it.
      channels: winner?.runbook.notify,
      storm:
        !verdict.allow && verdict.opensGlobalBreaker
          ? { reason: verdict.reason, openForMs: context.storm.openForMs }
          : undefined,
    },
    context.written,
  );
  return { id, runbook: winner?.runbook.name ?? null, state: decision.state, reason: decision.reason };
}
