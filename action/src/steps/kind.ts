/**
 * @module
 * Which of the four step types a runbook step is. The schema guarantees exactly one.
 */
import type {
  HttpStep,
  PromqlStep,
  RunStep,
  Step,
  WaitStep,
} from "../../../bridge/runbooks/runbook.types.js";

export type StepKind = "run" | "http" | "wait" | "promql";

export function isRunStep(step: Step): step is RunStep {
  return "run" in step && typeof step.run === "string";
}
export function isHttpStep(step: Step): step is HttpStep {
  return "http" in step && typeof step.http === "object";
}
export function isWaitStep(step: Step): step is WaitStep {
  return "wait" in step && typeof step.wait === "string";
}
export function isPromqlStep(step: Step): step is PromqlStep {
  return "promql" in step && typeof step.promql === "object";
}

export function stepKind(step: Step): StepKind {
  if (isRunStep(step)) return "run";
  if (isHttpStep(step)) return "http";
  if (isWaitStep(step)) return "wait";
  if (isPromqlStep(step)) return "promql";
  throw new Error(
    `step "${(step as Step).name}" has none of run, http, wait, promql; the runbook schema requires one`,
  );
}
