/**
 * @module
 * Builds the `ResolvedRunbook` once, when a runbook is loaded: the schema's defaults filled in
 * (by `applyDefaults`, so the values themselves live only in the schema), durations turned
 * into milliseconds, absent lists made empty. Pure (no I/O), so the Action bundles it too and
 * both sides read a runbook the same way.
 *
 * @example
 *   const runbook = resolveRunbook(document); // document: accepted by the runbook schema
 *   runbook.approvalTimeoutMs; // 1_800_000 when the file says nothing
 */
import { applyDefaults } from "./defaults.js";
import { parseDuration } from "./duration.js";
import type {
  ResolvedBlackout,
  ResolvedBreaker,
  ResolvedGuards,
  ResolvedNotification,
  ResolvedOutcome,
  ResolvedRunbook,
  ResolvedStep,
  ResolvedStepCommon,
  ResolvedSteps,
} from "./resolved-runbook.js";
import type {
  Blackout,
  Breaker,
  Guards,
  Notification,
  Outcome,
  Runbook,
  Step,
  Steps,
} from "./runbook.types.js";

/**
 * The value `applyDefaults` put there. Missing means the schema lost a `default` this code
 * relies on: a programming error, never a runbook author's.
 */
function filled<T>(value: T | undefined, path: string): T {
  if (value === undefined) {
    throw new Error(
      `${path} has no value after applyDefaults; give it a "default" in schemas/runbook.schema.json again or make it optional in ResolvedRunbook`,
    );
  }
  return value;
}

function duration(text: string | undefined, path: string): { text: string; ms: number } {
  const written = filled(text, path);
  return { text: written, ms: parseDuration(written) };
}

function resolveBreaker(breaker: Breaker): ResolvedBreaker {
  const within = duration(breaker.within, "guards.breaker.within");
  const openFor = duration(breaker.openFor, "guards.breaker.openFor");
  return {
    failures: breaker.failures,
    within: within.text,
    withinMs: within.ms,
    openFor: openFor.text,
    openForMs: openFor.ms,
    scope: filled(breaker.scope, "guards.breaker.scope"),
  };
}

function resolveBlackout(window: Blackout, index: number): ResolvedBlackout {
  const length = duration(window.duration, `guards.blackout[${index}].duration`);
  return {
    cron: window.cron,
    duration: length.text,
    durationMs: length.ms,
    timezone: filled(window.timezone, `guards.blackout[${index}].timezone`),
    ...(window.reason !== undefined && { reason: window.reason }),
  };
}

function resolveGuards(guards: Guards): ResolvedGuards {
  const cooldown = guards.cooldown === undefined ? undefined : duration(guards.cooldown, "guards.cooldown");
  return {
    ...(cooldown && { cooldown: cooldown.text, cooldownMs: cooldown.ms }),
    ...(guards.maxPerHour !== undefined && { maxPerHour: guards.maxPerHour }),
    ...(guards.breaker && { breaker: resolveBreaker(guards.breaker) }),
    blackout: (guards.blackout ?? []).map(resolveBlackout),
    onResolved: filled(guards.onResolved, "guards.onResolved"),
    group: filled(guards.group, "guards.group"),
  };
}

function resolveOutcome(outcome: Outcome): ResolvedOutcome {
  const within = duration(outcome.within, "outcome.within");
  const relapseWithin = duration(outcome.relapseWithin, "outcome.relapseWithin");
  return {
    within: within.text,
    withinMs: within.ms,
    relapseWithin: relapseWithin.text,
    relapseWithinMs: relapseWithin.ms,
  };
}

/**
 * A runbook's outcome settings, or the schema's defaults (for an execution whose runbook is no
 * longer loaded).
 */
export function runbookOutcome(outcome: Outcome | undefined): ResolvedOutcome {
  const filledIn = applyDefaults({ outcome: outcome ?? {} } as Pick<Runbook, "outcome">).outcome;
  return resolveOutcome(filledIn ?? {});
}

function resolveStep(step: Step, path: string): ResolvedStep {
  const timeout = duration(step.timeout, `${path}.timeout`);
  const retryDelay = duration(step.retryDelay, `${path}.retryDelay`);
  const common: ResolvedStepCommon = {
    name: step.name,
    timeout: timeout.text,
    timeoutMs: timeout.ms,
    retries: filled(step.retries, `${path}.retries`),
    retryDelay: retryDelay.text,
    retryDelayMs: retryDelay.ms,
    continueOnError: filled(step.continueOnError, `${path}.continueOnError`),
    env: step.env ?? {},
    secrets: step.secrets ?? [],
  };
  if ("run" in step) return { ...common, run: step.run, shell: filled(step.shell, `${path}.shell`) };
  if ("http" in step) {
    return { ...common, http: { ...step.http, method: filled(step.http.method, `${path}.http.method`) } };
  }
  if ("promql" in step) {
    return {
      ...common,
      promql: { ...step.promql, expect: filled(step.promql.expect, `${path}.promql.expect`) },
    };
  }
  if ("wait" in step) {
    const wait = duration(step.wait, `${path}.wait`);
    return { ...common, wait: wait.text, waitMs: wait.ms };
  }
  throw new Error(`${path} has none of run, http, wait, promql; the runbook schema requires one`);
}

function resolveSteps(steps: Steps): ResolvedSteps {
  const phase = (name: keyof Steps) =>
    (steps[name] ?? []).map((step, index) => resolveStep(step, `steps.${name}[${index}]`));
  return {
    healthCheck: phase("healthCheck"),
    diagnostics: phase("diagnostics"),
    remediate: phase("remediate"),
    verify: phase("verify"),
    rollback: phase("rollback"),
  };
}

function resolveNotification(entry: Notification, index: number): ResolvedNotification {
  const path = `notify[${index}]`;
  return {
    when: filled(entry.when, `${path}.when`),
    ...(entry.slack && { slack: { webhookSecret: entry.slack.webhookSecret } }),
    ...(entry.issue && {
      issue: {
        labels: entry.issue.labels ?? [],
        assignees: entry.issue.assignees ?? [],
        severities: filled(entry.issue.severities, `${path}.issue.severities`),
      },
    }),
    ...(entry.pagerduty && {
      pagerduty: {
        routingKeySecret: entry.pagerduty.routingKeySecret,
        severities: filled(entry.pagerduty.severities, `${path}.pagerduty.severities`),
      },
    }),
  };
}

/**
 * Resolves a runbook document the schema accepted.
 * @param document the parsed YAML, defaults not yet applied
 * @returns a new object; `document` is left as it was
 * @throws Error only when the schema and this module disagree about a default
 */
export function resolveRunbook(document: Runbook): ResolvedRunbook {
  // A runbook without a guards (or outcome) block still has their defaults (onResolved, group,
  // outcome.within), and applyDefaults only fills objects that exist.
  const runbook = applyDefaults({
    ...document,
    guards: document.guards ?? {},
    outcome: document.outcome ?? {},
  });
  const approvalTimeout = duration(runbook.approvalTimeout, "approvalTimeout");
  const approvalExpiry = duration(runbook.approvalExpiry, "approvalExpiry");
  return {
    name: runbook.name,
    description: runbook.description,
    owner: runbook.owner,
    match: runbook.match,
    priority: filled(runbook.priority, "priority"),
    mode: runbook.mode,
    ...(runbook.environment !== undefined && { environment: runbook.environment }),
    workflow: filled(runbook.workflow, "workflow"),
    ref: filled(runbook.ref, "ref"),
    dispatch: filled(runbook.dispatch, "dispatch"),
    runsOn: [filled(runbook.runsOn, "runsOn")].flat(),
    ...(runbook.target && { target: runbook.target }),
    guards: resolveGuards(runbook.guards ?? {}),
    approvalTimeout: approvalTimeout.text,
    approvalTimeoutMs: approvalTimeout.ms,
    approval: filled(runbook.approval, "approval"),
    approvers: runbook.approvers ?? [],
    approvalExpiry: approvalExpiry.text,
    approvalExpiryMs: approvalExpiry.ms,
    outcome: resolveOutcome(runbook.outcome ?? {}),
    steps: resolveSteps(runbook.steps ?? {}),
    notify: (runbook.notify ?? []).map(resolveNotification),
    examples: runbook.examples ?? [],
  };
}
