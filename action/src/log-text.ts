/**
 * @module
 * Text the Action prints to the job log with `core.info`. The runner reads any line that
 * starts with `::` as a workflow command (`::add-mask::`, `::warning::`, `::stop-commands::`),
 * and verdicts and step results carry alert-derived text (a target, a reason, a response), so
 * a newline in that text could start a line the runner obeys. Everything printed that way goes
 * through `logText`: one line, never starting with `::`. (Commands the Action itself sends
 * through @actions/core are escaped by it; a step's own output is framed by ::stop-commands::.)
 *
 * @example
 *   core.info(logText(`failed: ${reason}`));
 */

/** `text` as one job-log line the runner cannot read as a workflow command. */
export function logText(text: string): string {
  const oneLine = text.replace(/\r\n|\r|\n/g, " ⏎ ");
  return oneLine.startsWith("::") ? ` ${oneLine}` : oneLine;
}
