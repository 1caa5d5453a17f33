/**
 * @module
 * Text the Action prints to the job log with `core.info`. Verdicts and step results carry
 * alert-derived text (a target, a reason, a response), and the runner reads some log lines as
 * workflow commands (`::add-mask::`, `::error::`, `::stop-commands::`):
 *
 * - a line whose first non-blank characters are `::` (the runner trims leading white space
 *   first, so a leading space is no guard);
 * - the legacy form `##[command]` anywhere in a line;
 * - and a line starts after `\n`, `\r` or `\r\n`.
 *
 * The log viewer also obeys ANSI escape sequences (colours, concealed text). Everything printed
 * that way goes through `logText`: one line, no control characters, nothing the runner reads
 * as a command. (Commands the Action itself sends through @actions/core are escaped by it; a
 * step's own output is framed by ::stop-commands::.)
 *
 * @example
 *   core.info(logText(`failed: ${reason}`));
 */

/** A control character as its visible Unicode picture (ESC → ␛), or \xHH for C1 controls. */
function visible(control: string): string {
  const code = control.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return "\u2421";
  return `\\x${code.toString(16).toUpperCase()}`;
}

/** `text` as one job-log line the runner cannot read as a workflow command. */
export function logText(text: string): string {
  const line = text
    .replace(/\r\n|\r|\n/g, " ⏎ ")
    // Tabs are harmless; every other C0 control, DEL and the C1 controls (0x9B is a one-byte CSI).
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to replace
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, visible)
    .replaceAll("##[", "# #[");
  // A visible character the runner does not trim, so the line cannot begin with `::`.
  return /^\s*::/.test(line) ? `› ${line}` : line;
}
