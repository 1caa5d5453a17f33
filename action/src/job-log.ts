/**
 * @module
 * The job log as a StepLog: each step in a collapsible group, and workflow commands switched
 * off (`::stop-commands::`) while its output is printed, so a line such as `::add-mask::` or
 * `::error::` coming from a target or an alert is shown, never obeyed.
 */
import { randomUUID } from "node:crypto";
import * as core from "@actions/core";
import { logText } from "./log-text.js";
import type { StepLog } from "./steps/log.js";

export function createJobLog(
  write: (text: string | Buffer) => void = (text) => process.stdout.write(text),
): StepLog {
  let token = "";
  let atLineStart = true;
  return {
    begin(title) {
      core.startGroup(title);
      token = randomUUID();
      write(`::stop-commands::${token}\n`);
      atLineStart = true;
    },
    output(chunk) {
      if (chunk.length === 0) return;
      write(chunk);
      const text = typeof chunk === "string" ? chunk : chunk.toString("utf8", chunk.length - 1);
      atLineStart = text.endsWith("\n");
    },
    end(message) {
      write(`${atLineStart ? "" : "\n"}::${token}::\n`);
      core.endGroup();
      core.info(logText(message));
    },
  };
}
