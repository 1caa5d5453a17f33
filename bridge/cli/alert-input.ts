/**
 * @module
 * What `runbridge route` reads: an Alertmanager webhook payload (version 4, `alerts: [...]`)
 * or a single alert object (`{ labels, annotations }`), as JSON. Only what routing needs
 * is checked here; the bridge's own payload validation lives in `bridge/alerts/`.
 */
import { fingerprintLabels } from "../alerts/fingerprint.js";
import { CliError } from "./context.js";

export interface InputAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status?: string;
  fingerprint?: string;
  startsAt?: string;
}

export interface AlertInput {
  kind: "webhook" | "alert";
  /** The parsed JSON as given, for the bridge's own payload check. */
  data: unknown;
  /** The webhook's groupKey, when the input was a webhook payload. */
  groupKey?: string;
  alerts: InputAlert[];
}

const SHAPES =
  'an Alertmanager webhook payload ({"version":"4","alerts":[{"labels":{...}}]}) or one alert ({"labels":{"alertname":"..."}})';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, where: string, source: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new CliError(`${source}: ${where} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== "string") {
      throw new CliError(`${source}: ${where}.${name} must be a string, got ${JSON.stringify(entry)}`);
    }
    out[name] = entry;
  }
  return out;
}

function toAlert(value: unknown, where: string, source: string): InputAlert {
  if (!isRecord(value) || !isRecord(value.labels)) {
    throw new CliError(`${source}: ${where} has no "labels" object; expected ${SHAPES}`);
  }
  const alert: InputAlert = {
    labels: stringMap(value.labels, `${where}.labels`, source),
    annotations: stringMap(value.annotations, `${where}.annotations`, source),
  };
  for (const key of ["status", "fingerprint", "startsAt"] as const) {
    const field = value[key];
    if (typeof field === "string") alert[key] = field;
  }
  // The bridge identifies an alert the same way when Alertmanager sends no fingerprint.
  alert.fingerprint ??= fingerprintLabels(alert.labels);
  return alert;
}

/**
 * Reads the alerts from JSON text.
 * @param text the file's (or stdin's) contents
 * @param source how to name the input in errors, e.g. `alert.json` or `stdin`
 * @throws CliError naming the input and the expected shapes
 */
export function parseAlertInput(text: string, source: string): AlertInput {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not JSON (${(error as Error).message}); expected ${SHAPES}`);
  }
  if (isRecord(data) && Array.isArray(data.alerts)) {
    if (data.version !== undefined && data.version !== "4") {
      throw new CliError(
        `${source}: webhook payload version ${JSON.stringify(data.version)} is not supported; Alertmanager sends version "4"`,
      );
    }
    if (data.alerts.length === 0) throw new CliError(`${source}: the webhook payload has no alerts`);
    return {
      kind: "webhook",
      data,
      groupKey: typeof data.groupKey === "string" ? data.groupKey : undefined,
      alerts: data.alerts.map((alert, index) => toAlert(alert, `alerts[${index}]`, source)),
    };
  }
  return { kind: "alert", data, alerts: [toAlert(data, "the alert", source)] };
}
