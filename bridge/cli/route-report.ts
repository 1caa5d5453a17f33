/**
 * @module
 * One alert's routing, explained: the runbook that wins and why, its target and whether
 * the allow-list admits it, how it would be dispatched, the guards that would be checked,
 * the candidates that lost and the near misses. Plain data, so `--json` prints it as is
 * and `route-text.ts` renders it for people.
 */
import type { MatchIndex } from "../runbooks/match-index.js";
import type { BreakerScope, ResolvedRunbook } from "../runbooks/resolved-runbook.js";
import { isTargetAllowed } from "../runbooks/target.js";
import type { InputAlert } from "./alert-input.js";
import { type AlertnameSuggestion, suggestAlertnames } from "./route-suggest.js";

export interface TargetReport {
  label: string;
  pattern?: string;
  allow?: string | string[];
  /** null when the label is missing or the pattern does not match. */
  value: string | null;
  allowed: boolean;
}

export interface DispatchReport {
  mode: ResolvedRunbook["mode"];
  environment?: string;
  workflow: string;
  ref: string;
  dispatch: ResolvedRunbook["dispatch"];
  approvalTimeout?: string;
}

/** The guards as an author writes them (durations as text), every default spelled out. */
export interface GuardsReport {
  cooldown?: string;
  maxPerHour?: number;
  breaker?: { failures: number; within: string; openFor: string; scope: BreakerScope };
  blackout: { cron: string; duration: string; timezone: string; reason?: string }[];
  onResolved: ResolvedRunbook["guards"]["onResolved"];
  group: ResolvedRunbook["guards"]["group"];
}

export interface AlertRoute {
  alert: InputAlert;
  runbook: string | null;
  file?: string;
  reason: string;
  target: TargetReport | null;
  dispatch?: DispatchReport;
  guards?: GuardsReport;
  /** What the bridge would do differently from a plain dispatch, in words. */
  notes: string[];
  lost: { runbook: string; priority: number; specificity: number; reason: string }[];
  rejected: { runbook: string; reason: string }[];
  /** When no runbook's alertname matches: the ones that differ only in case or punctuation. */
  suggestions: AlertnameSuggestion[];
}

function targetReport(runbook: ResolvedRunbook, value: string | undefined): TargetReport | null {
  const spec = runbook.target;
  if (!spec) return null;
  return {
    label: spec.label,
    ...(spec.pattern !== undefined && { pattern: spec.pattern }),
    ...(spec.allow !== undefined && { allow: spec.allow }),
    value: value ?? null,
    allowed: isTargetAllowed(runbook, value),
  };
}

function notesFor(runbook: ResolvedRunbook, alert: InputAlert, target: TargetReport | null): string[] {
  const notes: string[] = [];
  if (target && target.value === null) {
    notes.push(
      `no target: label ${target.label} is ${alert.labels[target.label] === undefined ? "missing" : "not matched by the pattern"}`,
    );
  }
  if (target && !target.allowed) {
    notes.push("the target is not on the allow-list: the bridge would suppress this execution");
  }
  if (runbook.mode === "notify") notes.push("mode notify: recorded and notified, never remediated");
  if (runbook.mode === "dry-run")
    notes.push("mode dry-run: recorded as what would run, nothing is dispatched");
  if (runbook.mode === "approval") {
    notes.push(`mode approval: the remediate job waits for reviewers of environment ${runbook.environment}`);
  }
  if (alert.status === "resolved") {
    notes.push(
      runbook.guards.onResolved === "cancel"
        ? "resolved alert: cancels this runbook's execution while it is queued or awaiting approval"
        : "resolved alert: recorded only (onResolved: ignore)",
    );
  }
  return notes;
}

/** Routes one alert through the index and explains the outcome. */
export function routeAlert(index: MatchIndex, alert: InputAlert): AlertRoute {
  const result = index.route(alert);
  const lost = result.lost.map((candidate) => ({
    runbook: candidate.runbook.runbook.name,
    priority: candidate.priority,
    specificity: candidate.specificity,
    reason: candidate.reason,
  }));
  const rejected = result.rejected.map((miss) => ({
    runbook: miss.runbook.runbook.name,
    reason: miss.reason,
  }));
  if (!result.winner) {
    const suggestions = suggestAlertnames(index, alert.labels.alertname ?? "");
    return {
      alert,
      runbook: null,
      reason: result.reason,
      target: null,
      notes: [],
      lost,
      rejected,
      suggestions,
    };
  }
  const { file, runbook } = result.winner.runbook;
  const target = targetReport(runbook, result.target);
  const { guards } = runbook;
  return {
    alert,
    runbook: runbook.name,
    file,
    reason: result.reason,
    target,
    dispatch: {
      mode: runbook.mode,
      ...(runbook.environment !== undefined && { environment: runbook.environment }),
      workflow: runbook.workflow,
      ref: runbook.ref,
      dispatch: runbook.dispatch,
      ...(runbook.mode === "approval" && { approvalTimeout: runbook.approvalTimeout }),
    },
    guards: {
      ...(guards.cooldown !== undefined && { cooldown: guards.cooldown }),
      ...(guards.maxPerHour !== undefined && { maxPerHour: guards.maxPerHour }),
      ...(guards.breaker !== undefined && {
        breaker: {
          failures: guards.breaker.failures,
          within: guards.breaker.within,
          openFor: guards.breaker.openFor,
          scope: guards.breaker.scope,
        },
      }),
      blackout: guards.blackout.map((window) => ({
        cron: window.cron,
        duration: window.duration,
        timezone: window.timezone,
        ...(window.reason !== undefined && { reason: window.reason }),
      })),
      onResolved: guards.onResolved,
      group: guards.group,
    },
    notes: notesFor(runbook, alert, target),
    lost,
    rejected,
    suggestions: [],
  };
}
