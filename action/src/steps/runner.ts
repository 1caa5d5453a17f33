/**
 * @module
 * Runs one step with the runbook's timeout, retries, retryDelay and continueOnError, and
 * records what happened: result, attempts, duration, the masked tail of its output.
 */

import { formatDuration } from "../../../bridge/runbooks/duration.js";
import type { ResolvedStep } from "../../../bridge/runbooks/resolved-runbook.js";
import type { Execution } from "../execution.js";
import { executeStep } from "./execute.js";
import { type StepKind, stepKind } from "./kind.js";
import type { StepLog } from "./log.js";
import { createOutputCapture } from "./output.js";
import { wait } from "./wait.js";

export interface StepResult {
  name: string;
  kind: StepKind;
  status: "passed" | "failed" | "skipped";
  /** Failed, but the runbook let the phase go on (continueOnError). */
  continued: boolean;
  attempts: number;
  durationMs: number;
  /** Masked, bounded output of the last attempt. */
  output: string;
  /** Why it failed or was skipped: `step "restart" failed after 3 attempts: script exited with code 1`. */
  reason?: string;
}

/** Runs `step` until it passes or its attempts are used up. Never throws for a failing step. */
export async function runStep(step: ResolvedStep, execution: Execution, log: StepLog): Promise<StepResult> {
  const kind = stepKind(step);
  const { timeoutMs, retryDelayMs } = step;
  const attempts = step.retries + 1;
  const started = performance.now();
  let output = "";
  let reason = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const capture = createOutputCapture();
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`timed out after ${formatDuration(timeoutMs)}`)),
      timeoutMs,
    );
    log.begin(attempts > 1 ? `${step.name} (attempt ${attempt} of ${attempts})` : step.name);
    try {
      await executeStep(step, execution, controller.signal, (chunk) => {
        capture.write(chunk);
        log.output(chunk);
      });
      clearTimeout(timer);
      log.end("passed");
      return {
        name: step.name,
        kind,
        status: "passed",
        continued: false,
        attempts: attempt,
        durationMs: performance.now() - started,
        output: execution.mask(capture.text()),
      };
    } catch (error) {
      clearTimeout(timer);
      // A timeout shows up as whatever the step was doing when it was stopped; say "timed out".
      const cause = controller.signal.aborted ? controller.signal.reason : error;
      reason = execution.mask(cause instanceof Error ? cause.message : String(cause));
      output = execution.mask(capture.text());
      log.end(`failed: ${reason}`);
    }
    if (attempt < attempts) await wait(retryDelayMs, new AbortController().signal);
  }
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  return {
    name: step.name,
    kind,
    status: "failed",
    continued: step.continueOnError,
    attempts,
    durationMs: performance.now() - started,
    output,
    reason: `step "${step.name}" (${kind}) failed${tries}: ${reason}`,
  };
}

/** A step that did not run, with why. */
export function skippedStep(step: ResolvedStep, reason: string): StepResult {
  return {
    name: step.name,
    kind: stepKind(step),
    status: "skipped",
    continued: false,
    attempts: 0,
    durationMs: 0,
    output: "",
    reason,
  };
}
