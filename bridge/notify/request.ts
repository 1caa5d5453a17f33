/**
 * @module
 * What one queued notification sends, rendered when it is queued: the notification outbox
 * stores it as is, so what people read is fixed by the event that caused it (the breaker's
 * last failures at the moment it opened), and a retry sends exactly the same thing.
 */

/** PagerDuty Events API v2 severities. */
export type PagerDutySeverity = "critical" | "error" | "warning" | "info";

/**
 * An Events API v2 event without its routing key (read from the bridge's environment when
 * sent, never stored). `dedup_key` ties a trigger to its resolve.
 */
export interface PagerDutyEvent {
  event_action: "trigger" | "resolve";
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
  client?: string;
}

/**
 * An issue step on a thread (one issue per breaker, per execution): `open` comments on the
 * thread's open issue or opens one (when `mayOpen`); `comment` only comments on an open one;
 * `close` comments and closes it. With no open issue, `comment` and `close` have nothing to do.
 */
export interface IssueRequest {
  channel: "issue";
  action: "open" | "comment" | "close";
  title: string;
  body: string;
  labels: string[];
  assignees: string[];
  mayOpen: boolean;
}

export interface SlackRequest {
  channel: "slack";
  /** The bridge's environment variable holding the webhook URL. */
  webhookSecret: string;
  text: string;
}

export interface PagerDutyRequest {
  channel: "pagerduty";
  /** The bridge's environment variable holding the routing key. */
  routingKeySecret: string;
  event: PagerDutyEvent;
}

export type NotificationRequest = SlackRequest | IssueRequest | PagerDutyRequest;
export type NotificationChannel = NotificationRequest["channel"];
