/**
 * @module
 * Who hears about what: the rules a runbook's `notify` entries set, for the Action (a run's
 * outcome) and the bridge (an approval that waits too long) alike.
 */
import type { NotifyWhen, ResolvedIssueChannel } from "../runbooks/resolved-runbook.js";

/**
 * Whether a channel with this `when` is told about an outcome.
 * @param success whether the outcome was good; a stuck approval is not
 */
export function notifiesOn(when: NotifyWhen, success: boolean): boolean {
  return when === "always" || (when === "success") === success;
}

/**
 * Whether an alert of this severity opens a new issue (an incident, a review, an escalation).
 * `severities` lists the severities that do, so an empty list opens none: "only alerts with
 * one of these severity labels open an issue" (docs/runbooks.md). An issue already open for
 * the runbook and target is still commented on, whatever the severity.
 */
export function opensIssue(channel: ResolvedIssueChannel, severity: string): boolean {
  return channel.severities.includes(severity);
}
