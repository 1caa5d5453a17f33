/**
 * @module
 * Checks that a body is an Alertmanager webhook (version 4) and says which field is not.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import webhookSchema from "../../schemas/alertmanager-webhook.schema.json" with { type: "json" };
import { checkStartsAt } from "./starts-at.js";
import type { AlertmanagerWebhook } from "./types.js";

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
type AddFormats = (ajv: Ajv2020, formats: string[]) => Ajv2020;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

const ajv = new Ajv2020({ allErrors: false, strict: true });
addFormats(ajv, ["date-time"]);
const validate = ajv.compile<AlertmanagerWebhook>(webhookSchema);

export type WebhookCheck = { ok: true; webhook: AlertmanagerWebhook } | { ok: false; error: string };

/** Validates a parsed JSON body; the error names the first offending field. */
export function checkAlertmanagerWebhook(body: unknown): WebhookCheck {
  if (validate(body)) return checkStartTimes(body);
  const error = validate.errors?.[0];
  if (!error) return { ok: false, error: "not an Alertmanager webhook" };
  const field = error.instancePath ? error.instancePath.slice(1).replaceAll("/", ".") : "(body)";
  const detail =
    error.keyword === "required"
      ? `missing "${error.params.missingProperty}"`
      : error.keyword === "const"
        ? `must be "${error.params.allowedValue}" (only Alertmanager webhook version 4 is supported)`
        : error.message;
  return { ok: false, error: `not an Alertmanager webhook: ${field} ${detail}` };
}

/**
 * Each startsAt must have one canonical text (starts-at.ts), the occurrence's identity: a time
 * the schema lets through but that cannot be kept exactly is refused, never replaced by a
 * default that would merge unrelated occurrences.
 */
function checkStartTimes(webhook: AlertmanagerWebhook): WebhookCheck {
  for (const [index, alert] of webhook.alerts.entries()) {
    const check = checkStartsAt(alert.startsAt);
    if (!check.ok) {
      return {
        ok: false,
        error: `not an Alertmanager webhook: alerts.${index}.startsAt ${JSON.stringify(alert.startsAt.slice(0, 64))} ${check.problem}`,
      };
    }
  }
  return { ok: true, webhook };
}
