/**
 * @module
 * Is a signed GitHub event shaped as the handlers read it? A signature proves GitHub sent
 * the bytes, not that they carry what a handler expects (a schema change, a proxy that
 * rewrites bodies, a shared secret used by a test tool): a missing `workflow_run` must be a
 * 400 that names the field, never a TypeError and a 500 that asks GitHub to redeliver the
 * same broken body. Only the fields the handlers read are checked; GitHub adds fields freely.
 * Pure.
 */

type Kind = "object" | "string" | "integer" | "boolean";
/** A field's path (dot-separated), the type it must have, and whether it may be absent or null. */
type FieldRule = [path: string, kind: Kind, optional?: "optional"];

const FIELDS: Readonly<Record<string, readonly FieldRule[]>> = {
  workflow_run: [
    ["workflow_run", "object"],
    ["workflow_run.id", "integer"],
    ["workflow_run.status", "string"],
    ["workflow_run.conclusion", "string", "optional"],
    ["workflow_run.html_url", "string", "optional"],
    ["workflow_run.display_title", "string", "optional"],
    ["workflow_run.actor", "object", "optional"],
    ["workflow_run.actor.login", "string", "optional"],
  ],
  workflow_job: [
    ["workflow_job", "object"],
    ["workflow_job.id", "integer"],
    ["workflow_job.run_id", "integer"],
    ["workflow_job.name", "string"],
    ["workflow_job.status", "string"],
    ["workflow_job.conclusion", "string", "optional"],
  ],
  deployment_protection_rule: [
    ["environment", "string", "optional"],
    ["deployment_callback_url", "string", "optional"],
  ],
  issue_comment: [
    ["action", "string"],
    ["issue", "object"],
    ["issue.number", "integer"],
    ["comment", "object"],
    ["comment.body", "string", "optional"],
    ["comment.user", "object", "optional"],
    ["comment.user.login", "string", "optional"],
  ],
  push: [
    ["ref", "string"],
    ["after", "string"],
    ["deleted", "boolean", "optional"],
  ],
  ping: [],
};

/**
 * Checked on every event: @octokit/webhooks also routes an event as `<name>.<action>`, and an
 * `action` that is an object whose toString and valueOf are not functions threw inside it, a
 * 500 (found by `npm run fuzz`, a signed workflow_job).
 */
const EVERY_EVENT: readonly FieldRule[] = [["action", "string", "optional"]];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasKind(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case "object":
      return isObject(value);
    case "integer":
      return Number.isSafeInteger(value) && (value as number) >= 0;
    default:
      return typeof value === kind;
  }
}

const article = (kind: Kind) => (kind === "object" || kind === "integer" ? `an ${kind}` : `a ${kind}`);

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/**
 * @returns why the payload of event `name` cannot be handled (the first field that is wrong),
 *   or undefined when every field the handler reads has its type
 */
export function malformedEventReason(name: string, payload: unknown): string | undefined {
  if (!isObject(payload)) return `the payload is ${describe(payload)}, not a JSON object`;
  for (const [path, kind, optional] of [...EVERY_EVENT, ...(FIELDS[name] ?? [])]) {
    let value: unknown = payload;
    let parentMissing = false;
    for (const key of path.split(".")) {
      if (!isObject(value)) {
        parentMissing = true;
        break;
      }
      value = Object.hasOwn(value, key) ? value[key] : undefined;
    }
    // A field under an optional object that is absent is absent too.
    if (parentMissing || value === undefined || value === null) {
      if (optional) continue;
      return `${path} is missing (expected ${article(kind)})`;
    }
    if (!hasKind(value, kind)) {
      return `${path} is ${describe(value)}, expected ${kind === "integer" ? "a non-negative integer" : article(kind)}`;
    }
  }
  return undefined;
}
