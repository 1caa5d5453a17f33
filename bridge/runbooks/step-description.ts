/**
 * @module
 * What a step would do, said once for everyone who shows it: the Action's dry run (log,
 * summary, report) and the issue that asks approvers about an approval the bridge holds. Pure,
 * so the Action may bundle it. The words come from the runbook (reviewed in Git), not from alerts.
 *
 * @example
 *   describeStep({ name: "restart", run: "systemctl restart nginx", shell: "bash", … })
 *   // → { summary: "would run (bash)", script: "systemctl restart nginx" }
 */
import type { ResolvedStep } from "./resolved-runbook.js";

export interface StepDescription {
  /** One line: what the step would do, e.g. `would send GET http://web-1/healthz`. */
  summary: string;
  /** The script a `run` step would run, verbatim; shown as a block after the summary. */
  script?: string;
}

export function describeStep(step: ResolvedStep): StepDescription {
  if ("run" in step) return { summary: `would run (${step.shell})`, script: step.run };
  if ("http" in step) return { summary: `would send ${step.http.method} ${step.http.url}` };
  if ("promql" in step) {
    return {
      summary: `would query ${step.promql.url}: ${step.promql.query} (expect ${step.promql.expect})`,
    };
  }
  if ("wait" in step) return { summary: `would wait ${step.wait}` };
  return { summary: "unknown step" };
}

/** The description as plain text: the summary, then the script on the lines after it. */
export function stepDescriptionText(step: ResolvedStep): string {
  const { summary, script } = describeStep(step);
  return script === undefined ? summary : `${summary}:\n${script}`;
}
