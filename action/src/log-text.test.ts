import { describe, expect, it } from "vitest";
import { createJobLog } from "./job-log.js";
import { logText } from "./log-text.js";

/**
 * Lines the runner would obey, read as actions/runner reads them (ActionCommand.TryParseV2 and
 * TryParse): lines split at \r and \n; `::` first after leading white space is trimmed, outside
 * a stop-commands frame; the legacy `##[` anywhere.
 */
function obeyedCommands(printed: string): string[] {
  const commands: string[] = [];
  let stopToken: string | undefined;
  for (const raw of printed.split(/\r\n|\r|\n/)) {
    const line = raw.trimStart();
    if (line.includes("##[")) commands.push(line);
    if (stopToken !== undefined) {
      if (line === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    const stop = /^::stop-commands::(.+)$/.exec(line);
    if (stop) stopToken = stop[1];
    else if (line.startsWith("::") && !/^::(group|endgroup)::/.test(line)) commands.push(line);
  }
  return commands;
}

describe("logText", () => {
  it.each([
    [
      "a newline cannot start a command line",
      "failed: web-1\n::add-mask::hunter2",
      "failed: web-1 ⏎ ::add-mask::hunter2",
    ],
    ["nor a carriage return", "x\r::warning::pwned", "x ⏎ ::warning::pwned"],
    ["text that starts like a command is marked", "::error::from the alert", "› ::error::from the alert"],
    ["leading white space does not hide a command", " \t\u00a0::add-mask::x", "›  \t\u00a0::add-mask::x"],
    ["the legacy form is broken anywhere in the line", "web-1 ##[error]pwned", "web-1 # #[error]pwned"],
    [
      "ANSI escapes are shown, not obeyed",
      "web-1\u001b[8m hidden \u001b[0m\u009b31m",
      "web-1␛[8m hidden ␛[0m\\x9B31m",
    ],
    ["a NUL or a bell is shown too", "a\u0000b\u0007", "a␀b␇"],
    ["plain text is untouched", "healthy: all 2 check(s) passed", "healthy: all 2 check(s) passed"],
  ])("%s", (_case, text, printed) => {
    expect(logText(text)).toBe(printed);
    expect(obeyedCommands(logText(text))).toEqual([]);
  });
});

describe("the job log", () => {
  it("prints a step's result carrying alert text without the runner obeying it", () => {
    let printed = "";
    const original = process.stdout.write.bind(process.stdout);
    // core.info and core.startGroup write to stdout: capture them with the step's own output.
    process.stdout.write = ((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      const log = createJobLog((text) => {
        printed += String(text);
      });
      log.begin("restart nginx");
      log.output("::warning::from the target's own output\n");
      log.end("failed: web-1\n::add-mask::hunter2");
    } finally {
      process.stdout.write = original;
    }
    expect(obeyedCommands(printed)).toEqual([]);
    expect(printed).toContain("failed: web-1 ⏎ ::add-mask::hunter2");
  });
});
