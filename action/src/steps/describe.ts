/**
 * @module
 * What a step would do, in one line: shown for dry runs instead of doing it.
 */
import type { ResolvedStep } from "../../../bridge/runbooks/resolved-runbook.js";
import { isHttpStep, isPromqlStep, isRunStep, isWaitStep } from "./kind.js";

export function describeStep(step: ResolvedStep): string {
  if (isRunStep(step)) return `would run (${step.shell}):\n${step.run}`;
  if (isHttpStep(step)) return `would send ${step.http.method} ${step.http.url}`;
  if (isPromqlStep(step))
    return `would query ${step.promql.url}: ${step.promql.query} (expect ${step.promql.expect})`;
  if (isWaitStep(step)) return `would wait ${step.wait}`;
  return "unknown step";
}
