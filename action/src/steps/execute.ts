/**
 * @module
 * One attempt of one step, whatever its type.
 */

import type { ResolvedStep } from "../../../bridge/runbooks/resolved-runbook.js";
import type { Execution } from "../execution.js";
import { runStepEnv } from "./env.js";
import { checkHttp } from "./http.js";
import { isHttpStep, isPromqlStep, isRunStep, isWaitStep } from "./kind.js";
import { checkPromql } from "./promql.js";
import { runScript } from "./run.js";
import { wait } from "./wait.js";

/**
 * Runs the step once; output goes to `onOutput` as it arrives.
 * @throws Error saying why the attempt failed
 */
export async function executeStep(
  step: ResolvedStep,
  execution: Execution,
  signal: AbortSignal,
  onOutput: (chunk: Buffer | string) => void,
): Promise<void> {
  const who = `step "${step.name}"`;
  const checkOptions = { target: execution.target, secrets: execution.secrets, signal, who };
  if (isRunStep(step)) {
    await runScript(step, { env: runStepEnv(execution, step), workDir: execution.workDir, signal, onOutput });
  } else if (isHttpStep(step)) {
    onOutput(`${await checkHttp(step.http, checkOptions)}\n`);
  } else if (isPromqlStep(step)) {
    onOutput(`${await checkPromql(step.promql, checkOptions)}\n`);
  } else if (isWaitStep(step)) {
    await wait(step.waitMs, signal);
    onOutput(`waited ${step.wait}\n`);
  } else {
    throw new Error(`${who} has none of run, http, wait, promql; the runbook schema requires one`);
  }
}
