/**
 * @module
 * The alert a run answers, as the workflow passes it: Alertmanager's alert JSON (labels,
 * annotations, ...). repository_dispatch may deliver it JSON-encoded twice (a string holding
 * JSON), manual runs may pass nothing; both are accepted.
 */

export interface Alert {
  /** labels.alertname, or "" for a manual run without alert data. */
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The parsed alert as given, for the ALERT_FILE a step may read. */
  raw: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new Error(`alert input: ${field} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = typeof item === "string" ? item : JSON.stringify(item);
  }
  return out;
}

/**
 * Parses the `alert` input.
 * @param text JSON of one Alertmanager alert, possibly JSON-encoded twice; empty means none
 * @returns the alert with string labels and annotations
 * @throws Error when the text is not JSON or not an object
 */
export function parseAlert(text: string): Alert {
  let value: unknown = text.trim() === "" ? {} : parseJson(text);
  if (typeof value === "string") value = value.trim() === "" ? {} : parseJson(value);
  if (value === null) value = {};
  if (!isRecord(value)) {
    throw new Error('alert input must be a JSON object like {"labels": {"alertname": "NginxDown"}}');
  }
  const labels = stringMap(value.labels, "labels");
  return {
    name: labels.alertname ?? "",
    labels,
    annotations: stringMap(value.annotations, "annotations"),
    raw: value,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // The alert text itself stays out of the message: it is untrusted and may be huge.
    throw new Error(`alert input is not valid JSON (${(error as Error).message}); pass the alert as JSON`);
  }
}
