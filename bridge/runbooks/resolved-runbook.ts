/**
 * @module
 * A runbook as the bridge and the Action use it: built once when it is loaded
 * (`resolve.ts`), after the schema accepted it. Every field the schema gives a `default` is
 * required here, so no reader needs a fallback of its own; lists a runbook may leave out are
 * empty lists; and every duration is in milliseconds (`…Ms`) next to the text the author
 * wrote, which is kept only for messages ("3 failures within 1h").
 */
import type { Breaker, Example, HttpCheck, Match, PromqlCheck, Runbook, Target } from "./runbook.types.js";

export interface ResolvedRunbook {
  name: string;
  description: string;
  owner: string;
  match: Match;
  priority: number;
  mode: Runbook["mode"];
  environment?: string;
  workflow: string;
  ref: string;
  dispatch: "workflow" | "repository";
  /** Labels of the runner the phase jobs run on (one label becomes a list of one). */
  runsOn: string[];
  target?: Target;
  guards: ResolvedGuards;
  approvalTimeout: string;
  approvalTimeoutMs: number;
  /** Who holds a mode: approval run: GitHub's environment reviewers, the bridge, or auto (reviewers if any, else the bridge). */
  approval: "environment" | "bridge" | "auto";
  /** GitHub logins and org/team slugs that may answer an approval the bridge holds. */
  approvers: string[];
  approvalExpiry: string;
  approvalExpiryMs: number;
  outcome: ResolvedOutcome;
  steps: ResolvedSteps;
  notify: ResolvedNotification[];
  examples: Example[];
}

/** How a succeeded run's outcome is judged (the runbook's `outcome` block). */
export interface ResolvedOutcome {
  /** The alert must resolve this long after the run succeeded (the bridge adds its grace). */
  within: string;
  withinMs: number;
  /** The same alert firing again this long after `verified` is a relapse. */
  relapseWithin: string;
  relapseWithinMs: number;
}

export interface ResolvedGuards {
  /** Both set or both absent: no cooldown. */
  cooldown?: string;
  cooldownMs?: number;
  maxPerHour?: number;
  breaker?: ResolvedBreaker;
  blackout: ResolvedBlackout[];
  onResolved: "cancel" | "ignore";
  group: "alert" | "group";
}

export type BreakerScope = NonNullable<Breaker["scope"]>;

export interface ResolvedBreaker {
  failures: number;
  within: string;
  withinMs: number;
  openFor: string;
  openForMs: number;
  scope: BreakerScope;
}

export interface ResolvedBlackout {
  cron: string;
  duration: string;
  durationMs: number;
  timezone: string;
  reason?: string;
}

export interface ResolvedSteps {
  healthCheck: ResolvedStep[];
  diagnostics: ResolvedStep[];
  remediate: ResolvedStep[];
  verify: ResolvedStep[];
  rollback: ResolvedStep[];
}

export type PhaseName = keyof ResolvedSteps;

export interface ResolvedStepCommon {
  name: string;
  timeout: string;
  timeoutMs: number;
  retries: number;
  retryDelay: string;
  retryDelayMs: number;
  continueOnError: boolean;
  env: Record<string, string>;
  secrets: string[];
}

export type ResolvedRunStep = ResolvedStepCommon & { run: string; shell: "bash" | "sh" };
export type ResolvedHttpStep = ResolvedStepCommon & { http: ResolvedHttpCheck };
export type ResolvedWaitStep = ResolvedStepCommon & { wait: string; waitMs: number };
export type ResolvedPromqlStep = ResolvedStepCommon & { promql: ResolvedPromqlCheck };
export type ResolvedStep = ResolvedRunStep | ResolvedHttpStep | ResolvedWaitStep | ResolvedPromqlStep;

export interface ResolvedHttpCheck extends HttpCheck {
  method: NonNullable<HttpCheck["method"]>;
}

export interface ResolvedPromqlCheck extends PromqlCheck {
  expect: string;
}

export type NotifyWhen = "always" | "failure" | "success";

export interface ResolvedNotification {
  when: NotifyWhen;
  slack?: { webhookSecret: string };
  issue?: ResolvedIssueChannel;
  pagerduty?: ResolvedPagerDutyChannel;
}

export interface ResolvedPagerDutyChannel {
  /** The bridge's environment variable holding the Events API v2 routing key. */
  routingKeySecret: string;
  /** Severities whose alerts page; a breaker opening always pages. */
  severities: string[];
}

export interface ResolvedIssueChannel {
  labels: string[];
  assignees: string[];
  /** Severities whose alerts open an incident issue; see `opensIssue` in bridge/notify/channels.ts. */
  severities: string[];
}
