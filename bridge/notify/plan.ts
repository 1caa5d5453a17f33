/**
 * @module
 * Which notifications one occasion queues, one row per notify channel that hears about it,
 * each with a dedup key so queuing the same occasion twice sends nothing twice. Pure: the
 * transitions in executions/ write what this returns in their own transaction.
 *
 * Follow-ups (a resolve, a breaker closing) go where the opening went, whatever the runbook
 * says now: an incident triggered is an incident resolved, an issue opened is an issue closed.
 */
import { createHash } from "node:crypto";
import type { ResolvedNotification } from "../runbooks/resolved-runbook.js";
import { notifiesOn, opensIssue } from "./channels.js";
import { issueText } from "./issue-text.js";
import { type Message, oneLine } from "./message.js";
import type { NotificationChannel, NotificationRequest, PagerDutySeverity } from "./request.js";
import { slackText } from "./slack-text.js";

/** A row to queue (store/notifications.ts `NewNotification`, without the store's types). */
export interface PlannedNotification {
  dedupKey: string;
  channel: NotificationChannel;
  topic: string;
  executionId: string | null;
  breakerKey: string | null;
  runbook: string | null;
  thread: string | null;
  request: NotificationRequest;
}

export interface Occasion {
  /** Unique per logical notification, e.g. `execution:<id>:failed`; each row adds its channel. */
  key: string;
  topic: string;
  /** What the rows are about: one execution, or one breaker. */
  about: { executionId?: string | null; breakerKey?: string | null; runbook?: string | null };
  /** Rows about the same thing share a thread (per channel entry): they go out in order. */
  thread: string;
  /** Good news reaches `when: success` channels, bad news `when: failure` ones. */
  success: boolean;
  /** The alert's severity, for the issue and PagerDuty channels' `severities`. */
  severity: string;
  /** Every channel hears about it, whatever its severities (a breaker opening). */
  everySeverity?: boolean;
  message: Message;
  issueTitle: string;
  pagerduty: {
    dedupKey: string;
    source: string;
    component?: string;
    group?: string;
    class?: string;
    links?: { href: string; text: string }[];
  };
}

const PAGERDUTY_SUMMARY_MAX = 1_024;
const PAGERDUTY_DEDUP_MAX = 255;

/** An alert severity as PagerDuty's: critical, error, warning or info. */
export function pagerDutySeverity(severity: string): PagerDutySeverity {
  const known: Record<string, PagerDutySeverity> = {
    critical: "critical",
    page: "critical",
    error: "error",
    high: "error",
    warning: "warning",
    medium: "warning",
  };
  return known[severity.toLowerCase()] ?? "info";
}

/** PagerDuty keeps dedup keys up to 255 characters; a longer one (a long target) is hashed. */
export function pagerDutyDedupKey(key: string): string {
  if (key.length <= PAGERDUTY_DEDUP_MAX) return key;
  return `runbridge/sha256/${createHash("sha256").update(key).digest("hex")}`;
}

/** The message as plain text for PagerDuty, which renders no Markdown. */
function summaryOf(message: Message): string {
  return oneLine(message.headline.replaceAll("`", ""), PAGERDUTY_SUMMARY_MAX - 1);
}

export function planNotifications(
  channels: readonly ResolvedNotification[],
  occasion: Occasion,
): PlannedNotification[] {
  const planned: PlannedNotification[] = [];
  const row = (index: number, request: NotificationRequest): PlannedNotification => ({
    dedupKey: `${occasion.key}/${request.channel}#${index}`,
    channel: request.channel,
    topic: occasion.topic,
    executionId: occasion.about.executionId ?? null,
    breakerKey: occasion.about.breakerKey ?? null,
    runbook: occasion.about.runbook ?? null,
    thread: `${occasion.thread}/${request.channel}#${index}`,
    request,
  });
  channels.forEach((channel, index) => {
    if (!notifiesOn(channel.when, occasion.success)) return;
    if (channel.slack) {
      planned.push(
        row(index, {
          channel: "slack",
          webhookSecret: channel.slack.webhookSecret,
          text: slackText(occasion.message),
        }),
      );
    }
    if (channel.issue && (occasion.everySeverity || opensIssue(channel.issue, occasion.severity))) {
      planned.push(
        row(index, {
          channel: "issue",
          action: "open",
          title: occasion.issueTitle,
          body: issueText(occasion.message),
          labels: channel.issue.labels,
          assignees: channel.issue.assignees,
          mayOpen: true,
        }),
      );
    }
    if (
      channel.pagerduty &&
      (occasion.everySeverity || channel.pagerduty.severities.includes(occasion.severity))
    ) {
      const { dedupKey, source, links, ...context } = occasion.pagerduty;
      planned.push(
        row(index, {
          channel: "pagerduty",
          routingKeySecret: channel.pagerduty.routingKeySecret,
          event: {
            event_action: "trigger",
            dedup_key: pagerDutyDedupKey(dedupKey),
            payload: {
              summary: summaryOf(occasion.message),
              source: oneLine(source, 255),
              severity: occasion.everySeverity ? "critical" : pagerDutySeverity(occasion.severity),
              ...context,
              custom_details: {
                details: occasion.message.details,
                ...(occasion.message.alertBlock === undefined ? {} : { alert: occasion.message.alertBlock }),
              },
            },
            ...(links?.length ? { links } : {}),
            client: "Runbridge",
          },
        }),
      );
    }
  });
  return planned;
}

export interface FollowUp {
  key: string;
  topic: string;
  message: Message;
  /** What becomes of an issue the opening opened: a comment, or a comment and closing it. */
  issueAction: "comment" | "close";
}

/**
 * The follow-ups of the rows an occasion queued: a PagerDuty resolve with the same
 * dedup_key, a Slack note to the same webhook, a comment on (or closing of) the same issue.
 * An opening that failed for good has nothing to follow up.
 */
export function planFollowUps(
  opened: readonly (PlannedNotification & { state: string })[],
  followUp: FollowUp,
): PlannedNotification[] {
  return opened.flatMap((row): PlannedNotification[] => {
    if (row.state === "failed") return [];
    const request = followUpRequest(row.request, followUp);
    const place = row.dedupKey.slice(row.dedupKey.lastIndexOf("/") + 1);
    return [
      {
        dedupKey: `${followUp.key}/${place}`,
        channel: row.channel,
        topic: followUp.topic,
        executionId: row.executionId,
        breakerKey: row.breakerKey,
        runbook: row.runbook,
        thread: row.thread,
        request,
      },
    ];
  });
}

function followUpRequest(request: NotificationRequest, followUp: FollowUp): NotificationRequest {
  switch (request.channel) {
    case "slack":
      return { ...request, text: slackText(followUp.message) };
    case "issue":
      return { ...request, action: followUp.issueAction, body: issueText(followUp.message), mayOpen: false };
    case "pagerduty":
      return {
        channel: "pagerduty",
        routingKeySecret: request.routingKeySecret,
        event: { event_action: "resolve", dedup_key: request.event.dedup_key },
      };
  }
}
