/**
 * @module
 * What a step would do, in one line: shown for dry runs instead of doing it.
 */
import type { Step } from "../../../bridge/runbooks/runbook.types.js";
import { isHttpStep, isPromqlStep, isRunStep, isWaitStep } from "./kind.js";

export function describeStep(step: Step): string {
  if (isRunStep(step)) return `would run (${step.shell ?? "bash"}):\n${step.run}`;
  if (isHttpStep(step)) return `would send ${step.http.method ?? "GET"} ${step.http.url}`;
  if (isPromqlStep(step))
    return `would query ${step.promql.url}: ${step.promql.query} (expect ${step.promql.expect ?? "nonempty"})`;
  if (isWaitStep(step)) return `would wait ${step.wait}`;
  return "unknown step";
}
