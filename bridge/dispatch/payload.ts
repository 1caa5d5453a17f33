/**
 * @module
 * What the remediate workflow receives. workflow_dispatch inputs are strings (the
 * workflow declares each one; an undeclared input is a 422), and their total size is
 * limited; repository_dispatch's client_payload takes at most 10 top-level keys and
 * must stay under 64 KB. The alert is sent as compact JSON, bounded.
 *
 * What the runbook itself says (its steps, environment, `runsOn`, the secrets each phase names)
 * is not sent: the plan job reads it from the runbook at `runbook_sha`, the version the bridge
 * decided with, so the run cannot disagree with the runbook and no input is spent on it.
 */
import { runNameFor } from "../executions/run-marker.js";
import type { Execution } from "../store/executions.js";

/** Bound for the `alert` input; the whole inputs object must stay under GitHub's 65,535 characters. */
export const MAX_ALERT_JSON = 16_000;

/** Severity comes straight from an alert label: untrusted, so bounded too (real ones are a word). */
export const MAX_SEVERITY_CHARS = 64;

export interface DispatchInputs {
  execution_id: string;
  /** Shown in the run's name before `[execution_id]`: alert text made safe (executions/run-marker.ts). */
  run_name: string;
  runbook: string;
  runbook_sha: string;
  target: string;
  severity: string;
  alert: string;
}

/** The runbook version to run: the Git commit when known, else `sha256:<file hash>` for the plan job to verify. */
export function runbookVersion(execution: Execution): string {
  if (execution.runbookSha) return execution.runbookSha;
  return execution.runbookHash ? `sha256:${execution.runbookHash}` : "";
}

function boundedAlertJson(alert: Record<string, unknown>): string {
  let json = JSON.stringify(alert);
  if (json.length <= MAX_ALERT_JSON) return json;
  // Keep labels (what the steps key on) and drop annotations first, then give up on detail.
  const { annotations: _dropped, ...rest } = alert;
  json = JSON.stringify({ ...rest, truncated: true });
  if (json.length <= MAX_ALERT_JSON) return json;
  return JSON.stringify({
    labels: { alertname: (alert.labels as Record<string, string>)?.alertname },
    truncated: true,
  });
}

export function dispatchInputs(execution: Execution): DispatchInputs {
  return {
    execution_id: execution.id,
    run_name: runNameFor(execution.runbook ?? "", execution.target),
    runbook: execution.runbook ?? "",
    runbook_sha: runbookVersion(execution),
    target: execution.target ?? "",
    severity: execution.severity.slice(0, MAX_SEVERITY_CHARS),
    alert: boundedAlertJson(execution.alert),
  };
}

/** repository_dispatch: the same values as 7 top-level keys, the alert as an object. */
export function clientPayload(execution: Execution): Record<string, unknown> {
  const { alert, ...inputs } = dispatchInputs(execution);
  return { ...inputs, alert: JSON.parse(alert) };
}
