/**
 * @module
 * The words of a notification, whoever sends it: the Action after a run, the bridge when an
 * approval waits too long. Slack (`slack-text.ts`) and GitHub issues (`issue-text.ts`) render
 * the same `Message`, so what people read does not depend on which side sent it.
 */

export interface Message {
  /** One line, e.g. "nginx-down on web-1: remediated and verified". */
  headline: string;
  /** Plain lines: execution, severity, alert, job results, run link. */
  details: string[];
  /** Alert labels and annotations as JSON, shown only inside code blocks (they are untrusted). */
  alertBlock?: string;
}

/**
 * Untrusted text for a single line: no line breaks, bounded.
 * @param max characters kept before an ellipsis
 */
export function oneLine(text: string, max = 120): string {
  const flat = text.replace(/[\r\n\t]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * An alert-derived value (a target, an alert name, a severity) inside a message's headline or
 * details: one line, as inline code. In an issue, Markdown inside a code span stays inert — an
 * `@team` in a label pings nobody and `[text](url)` links nowhere; Slack shows it as code too.
 */
export function alertValue(text: string, max = 120): string {
  return `\`${oneLine(text, max).replaceAll("`", "'")}\``;
}
