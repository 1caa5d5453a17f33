/**
 * @module
 * Which of the four step types a runbook step is. The schema guarantees exactly one.
 */
import type {
  ResolvedHttpStep,
  ResolvedPromqlStep,
  ResolvedRunStep,
  ResolvedStep,
  ResolvedWaitStep,
} from "../../../bridge/runbooks/resolved-runbook.js";

export type StepKind = "run" | "http" | "wait" | "promql";

export function isRunStep(step: ResolvedStep): step is ResolvedRunStep {
  return "run" in step && typeof step.run === "string";
}
export function isHttpStep(step: ResolvedStep): step is ResolvedHttpStep {
  return "http" in step && typeof step.http === "object";
}
export function isWaitStep(step: ResolvedStep): step is ResolvedWaitStep {
  return "wait" in step && typeof step.wait === "string";
}
export function isPromqlStep(step: ResolvedStep): step is ResolvedPromqlStep {
  return "promql" in step && typeof step.promql === "object";
}

export function stepKind(step: ResolvedStep): StepKind {
  if (isRunStep(step)) return "run";
  if (isHttpStep(step)) return "http";
  if (isWaitStep(step)) return "wait";
  if (isPromqlStep(step)) return "promql";
  throw new Error(
    `step "${(step as ResolvedStep).name}" has none of run, http, wait, promql; the runbook schema requires one`,
  );
}
