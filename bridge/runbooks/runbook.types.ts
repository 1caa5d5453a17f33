/* Generated from schemas/runbook.schema.json by scripts/gen-runbook-types.ts. Do not edit. */

/**
 * A minimatch glob or a list of them; a leading ! negates. A list matches when any positive glob matches and no negated one does.
 */
export type Globs = string | [string, ...string[]];
/**
 * A runner label as GitHub shows it (ubuntu-latest, self-hosted, linux, prod-net).
 */
export type RunnerLabel = string;
/**
 * A duration such as 30s, 10m, 1h, 1h30m or 2d.
 */
export type Duration = string;
/**
 * One step: exactly one of run, http, wait, promql.
 */
export type Step = RunStep | HttpStep | WaitStep | PromqlStep;
/**
 * Runs a shell script.
 */
export type RunStep = StepCommon & {
  /**
   * Shell script. Alert data reaches it only as environment variables (ALERT_NAME, ALERT_LABEL_<NAME>, TARGET, ...).
   */
  run: string;
  shell?: "bash" | "sh";
};
/**
 * Sends an HTTP request and checks the answer.
 */
export type HttpStep = StepCommon & {
  http: HttpCheck;
};
/**
 * Waits for a duration.
 */
export type WaitStep = StepCommon & {
  wait: Duration;
};
/**
 * Queries Prometheus and expects a condition to hold.
 */
export type PromqlStep = StepCommon & {
  promql: PromqlCheck;
};
/**
 * If every step passes, the target is already healthy and the run stops (the alert flapped).
 */
export type StepList = Step[];
export type StepList1 = Step[];
/**
 * Runs when verify fails.
 */
export type StepList2 = Step[];

/**
 * A Runbridge runbook: which alerts it answers, whether it may run (guards), and the steps the remediation Action runs in each phase.
 */
export interface Runbook {
  /**
   * Editor hint; ignored.
   */
  $schema?: string;
  /**
   * Unique kebab-case name; also the key the workflow receives.
   */
  name: string;
  description: string;
  /**
   * Team or person who owns it, e.g. "@acme/web-sre".
   */
  owner: string;
  match: Match;
  /**
   * Highest wins when several runbooks match one alert.
   */
  priority?: number;
  /**
   * auto: dispatch; approval: a person approves first, in the environment's required reviewers on GitHub or, where the environment has none, held in the bridge (see `approval`); notify: record and notify, never remediate; dry-run: record what would happen.
   */
  mode: "auto" | "approval" | "notify" | "dry-run";
  /**
   * GitHub environment of the remediate job; its protection rules gate the run.
   */
  environment?: string;
  /**
   * Workflow file (or id) dispatched for this runbook.
   */
  workflow?: string;
  /**
   * Git ref the workflow runs at.
   */
  ref?: string;
  /**
   * workflow: workflow_dispatch (returns the run id); repository: repository_dispatch with event_type runbridge.
   */
  dispatch?: "workflow" | "repository";
  /**
   * Runner label, or labels a runner must all have, for the phase jobs (health-check to notify), e.g. [self-hosted, linux, prod-net] for runners inside the network the steps reach. The plan job always runs on a GitHub-hosted runner.
   */
  runsOn?: RunnerLabel | [RunnerLabel, ...RunnerLabel[]];
  target?: Target;
  guards?: Guards;
  /**
   * A duration such as 30s, 10m, 1h, 1h30m or 2d.
   */
  approvalTimeout?: string;
  /**
   * Who holds a mode: approval run. environment: the environment's required reviewers on GitHub (no reviewers found: the execution is suppressed, never run); bridge: the bridge holds it before dispatching and takes /approve or /reject from `approvers` as issue comments; auto: environment when GitHub reports required reviewers on it, else bridge.
   */
  approval?: "environment" | "bridge" | "auto";
  /**
   * Who may answer an approval the bridge holds: GitHub logins, or org/team slugs (membership checked when they answer). They also need write or admin permission on the repository.
   */
  approvers?: string[];
  /**
   * A duration such as 30s, 10m, 1h, 1h30m or 2d.
   */
  approvalExpiry?: string;
  outcome?: Outcome;
  steps?: Steps;
  notify?: Notification[];
  /**
   * Alerts this runbook must or must not match; checked by `runbridge validate` and diffed on every PR.
   */
  examples?: Example[];
}
export interface Match {
  alertname: Globs;
  labels?: MatcherMap;
  annotations?: MatcherMap;
}
export interface MatcherMap {
  [k: string]: Globs;
}
export interface Target {
  /**
   * Alert label naming the thing being remediated.
   */
  label: string;
  /**
   * Regex applied to the label's value; the first capture group (or the group named target) is the target, e.g. ^([^:]+) for host:port.
   */
  pattern?: string;
  /**
   * A minimatch glob or a list of them; a leading ! negates. A list matches when any positive glob matches and no negated one does.
   */
  allow?: string | [string, ...string[]];
}
export interface Guards {
  /**
   * Minimum time between dispatches per runbook + target.
   */
  cooldown?: string;
  /**
   * Dispatches per runbook within any sliding hour.
   */
  maxPerHour?: number;
  breaker?: Breaker;
  blackout?: Blackout[];
  /**
   * cancel: a resolved alert cancels its execution while queued or awaiting approval.
   */
  onResolved?: "cancel" | "ignore";
  /**
   * alert: one execution per alert; group: one per Alertmanager group (groupKey).
   */
  group?: "alert" | "group";
}
export interface Breaker {
  failures: number;
  within: Duration;
  openFor: Duration;
  scope?: "runbook" | "target" | "global";
}
export interface Blackout {
  /**
   * Five-field cron expression for the window's start.
   */
  cron: string;
  duration: Duration;
  /**
   * IANA time zone of the cron expression.
   */
  timezone?: string;
  reason?: string;
}
/**
 * How the bridge judges a run that succeeded: did its alert clear? (Not steps.verify, the phase the Action runs inside the run.)
 */
export interface Outcome {
  /**
   * A duration such as 30s, 10m, 1h, 1h30m or 2d.
   */
  within?: string;
  /**
   * A duration such as 30s, 10m, 1h, 1h30m or 2d.
   */
  relapseWithin?: string;
}
export interface Steps {
  healthCheck?: StepList;
  diagnostics?: StepList1;
  remediate?: StepList1;
  verify?: StepList1;
  rollback?: StepList2;
}
export interface StepCommon {
  name: string;
  /**
   * A duration such as 30s, 10m, 1h, 1h30m or 2d.
   */
  timeout?: string;
  retries?: number;
  /**
   * A duration such as 30s, 10m, 1h, 1h30m or 2d.
   */
  retryDelay?: string;
  continueOnError?: boolean;
  /**
   * Static environment for the step (not alert data; alert data arrives as ALERT_* variables).
   */
  env?: {
    [k: string]: string;
  };
  /**
   * Names of repository/environment secrets exposed to the step as environment variables of the same name (masked in output).
   */
  secrets?: string[];
}
export interface HttpCheck {
  method?: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  /**
   * URL; {{target}} is replaced by the URL-escaped target.
   */
  url: string;
  /**
   * Literal header values.
   */
  headers?: {
    [k: string]: string;
  };
  /**
   * Header name → secret name; the value is read from that secret and masked.
   */
  secretHeaders?: {
    [k: string]: string;
  };
  body?: string;
  /**
   * Accepted status codes (default: any 2xx).
   */
  expectStatus?: number | [number, ...number[]];
  bodyContains?: string;
}
export interface PromqlCheck {
  /**
   * Prometheus base URL, e.g. http://prometheus:9090.
   */
  url: string;
  /**
   * Instant query; {{target}} is replaced by the target escaped for a PromQL string.
   */
  query: string;
  /**
   * empty: no series (the condition cleared); nonempty: at least one series; or a comparison every sample must satisfy, e.g. "< 0.05".
   */
  expect?: string;
  secretHeaders?: {
    [k: string]: string;
  };
}
export interface Notification {
  /**
   * Which outcomes notify.
   */
  when?: "always" | "failure" | "success";
  slack?: {
    /**
     * Name of the secret holding a Slack-compatible incoming webhook URL.
     */
    webhookSecret: string;
  };
  issue?: {
    labels?: string[];
    assignees?: string[];
    /**
     * Alert severities that open an issue (incident, review, approval escalation); an empty list opens none.
     */
    severities?: string[];
  };
  /**
   * Pages through PagerDuty's Events API v2, sent by the bridge: mode notify (resolved with the alert), a circuit breaker opening (resolved when it closes), an execution that failed.
   */
  pagerduty?: {
    /**
     * Name of the bridge's environment variable holding the integration's routing key (Events API v2).
     */
    routingKeySecret: string;
    /**
     * Alert severities that page; an empty list pages for none. A breaker opening always pages.
     */
    severities?: string[];
  };
}
export interface Example {
  description?: string;
  alert: {
    labels: {
      alertname: string;
      [k: string]: string;
    };
    annotations?: {
      [k: string]: string;
    };
  };
  /**
   * Whether this runbook must win the alert.
   */
  matches: boolean;
  /**
   * The target the runbook must extract.
   */
  target?: string;
}
