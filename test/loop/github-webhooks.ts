/**
 * @module
 * GitHub webhook deliveries for the loop tests: REAL payloads from `@octokit/webhooks-examples`
 * adapted to our runs (ids, `display_title` with the `[ex_…]` marker, repository), a
 * deployment_protection_rule payload built from `@octokit/webhooks-schemas` and validated
 * against it, signed with the shared secret exactly as GitHub signs (`sha256=<hex>` HMAC).
 */
import { createHmac, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

const require = createRequire(import.meta.url);

type Json = Record<string, unknown>;
interface ExampleGroup {
  name: string;
  examples: Json[];
}

const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as ExampleGroup[];

/** A deep copy of the first example of `event` that satisfies `pick`. */
export function example(event: string, pick: (payload: Json) => boolean = () => true): Json {
  const found = examples.find((group) => group.name === event)?.examples.find(pick);
  if (!found) throw new Error(`@octokit/webhooks-examples has no matching ${event} example`);
  return structuredClone(found);
}

/** The repository object of a real payload, renamed to `owner/repo`. */
function adaptRepository(payload: Json, fullName: string): void {
  const [owner = "", repo = ""] = fullName.split("/");
  const repository = payload.repository as Json | undefined;
  if (!repository) return;
  repository.name = repo;
  repository.full_name = fullName;
  repository.html_url = `https://github.com/${fullName}`;
  repository.url = `https://api.github.com/repos/${fullName}`;
  const ownerObject = repository.owner as Json | undefined;
  if (ownerObject) ownerObject.login = owner;
}

export const RUN_STATUSES = ["requested", "in_progress", "completed"] as const;

/** A `workflow_run` delivery (the real example with status success), moved to our run. */
export function workflowRunPayload(options: {
  runId: number;
  status: "queued" | "in_progress" | "completed" | "waiting";
  conclusion?: string | null;
  displayTitle?: string;
  repository?: string;
}): Json {
  const payload = example("workflow_run", (p) => (p.workflow_run as Json).conclusion === "success");
  const run = payload.workflow_run as Json;
  const repository = options.repository ?? "acme/infra";
  payload.action =
    options.status === "completed"
      ? "completed"
      : options.status === "in_progress"
        ? "in_progress"
        : "requested";
  run.id = options.runId;
  run.status = options.status;
  run.conclusion = options.status === "completed" ? (options.conclusion ?? "success") : null;
  run.display_title = options.displayTitle ?? run.display_title;
  run.html_url = `https://github.com/${repository}/actions/runs/${options.runId}`;
  run.url = `https://api.github.com/repos/${repository}/actions/runs/${options.runId}`;
  adaptRepository(payload, repository);
  return payload;
}

/** A `workflow_job` delivery from the real example with that status, moved to our run and job. */
export function workflowJobPayload(options: {
  runId: number;
  jobId: number;
  name: string;
  status: "queued" | "waiting" | "in_progress" | "completed";
  conclusion?: string | null;
  repository?: string;
}): Json {
  const payload = example("workflow_job", (p) => (p.workflow_job as Json).status === options.status);
  const job = payload.workflow_job as Json;
  const repository = options.repository ?? "acme/infra";
  job.id = options.jobId;
  job.run_id = options.runId;
  job.name = options.name;
  job.conclusion = options.status === "completed" ? (options.conclusion ?? "success") : null;
  job.run_url = `https://api.github.com/repos/${repository}/actions/runs/${options.runId}`;
  adaptRepository(payload, repository);
  return payload;
}

/** A `push` delivery (the real branch-push example) of `after` to `ref`. */
export function pushPayload(options: { ref: string; after: string; repository?: string }): Json {
  const payload = example("push", (p) => String(p.ref).startsWith("refs/heads/") && p.deleted === false);
  payload.ref = options.ref;
  payload.after = options.after;
  payload.deleted = false;
  adaptRepository(payload, options.repository ?? "acme/infra");
  return payload;
}

let validateDpr: ValidateFunction | undefined;

/** A validator for `deployment_protection_rule$requested` from GitHub's published webhook schema. */
export function deploymentProtectionRuleValidator(): ValidateFunction {
  if (validateDpr) return validateDpr;
  const schema = require("@octokit/webhooks-schemas/schema.json") as Json;
  const ajv = new Ajv({ strict: false, allErrors: true });
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addSchema(schema, "webhooks");
  const validate = ajv.getSchema("webhooks#/definitions/deployment_protection_rule$requested");
  if (!validate) throw new Error("schema has no deployment_protection_rule$requested");
  validateDpr = validate;
  return validate;
}

/**
 * A `deployment_protection_rule` (requested) delivery for a run, built from parts of real
 * examples and checked against the published schema: an invalid payload throws.
 */
export function deploymentProtectionRulePayload(options: {
  runId: number;
  environment: string;
  /** The API base the callback URL points at (GitHub: https://api.github.com). */
  apiUrl?: string;
  repository?: string;
}): Json {
  const repository = options.repository ?? "acme/infra";
  const api = options.apiUrl ?? "https://api.github.com";
  // The deployment from the deployment example; repository and sender from a recent example
  // (the deployment example's repository predates fields the schema now requires).
  const deployment = example("deployment").deployment as Json;
  const recent = example("workflow_job", (p) => (p.workflow_job as Json).status === "waiting");
  adaptRepository(recent, repository);
  deployment.environment = options.environment;
  deployment.original_environment = options.environment;
  deployment.url = `https://api.github.com/repos/${repository}/deployments/${deployment.id}`;
  const payload: Json = {
    action: "requested",
    environment: options.environment,
    event: "workflow_dispatch",
    deployment_callback_url: `${api}/repos/${repository}/actions/runs/${options.runId}/deployment_protection_rule`,
    deployment,
    pull_requests: [],
    repository: recent.repository,
    sender: recent.sender,
    installation: { id: 2_311_213, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMjMxMTIxMw==" },
  };
  const validate = deploymentProtectionRuleValidator();
  if (!validate(payload)) {
    throw new Error(
      `deployment_protection_rule payload does not match the schema: ${JSON.stringify(validate.errors)}`,
    );
  }
  return payload;
}

/** GitHub's `x-hub-signature-256` for a body. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** POSTs a signed delivery to `${url}/webhook/github`, as GitHub does. */
export async function deliver(
  url: string,
  event: string,
  payload: unknown,
  secret: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json }> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const response = await fetch(`${url}/webhook/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/test",
      "x-github-event": event,
      "x-github-delivery": randomUUID(),
      ...(secret === undefined ? {} : { "x-hub-signature-256": signature(secret, body) }),
      ...headers,
    },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let parsed: Json = {};
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed };
}

/**
 * An `issue_comment` delivery (the real example for `action`), moved to our issue, commenter
 * and body.
 */
export function issueCommentPayload(options: {
  issueNumber: number;
  login: string;
  body: string;
  action?: string;
  commentId?: number;
  repository?: string;
}): Json {
  const action = options.action ?? "created";
  const payload = example("issue_comment", (p) => p.action === action);
  const repository = options.repository ?? "acme/infra";
  const issue = payload.issue as Json;
  const comment = payload.comment as Json;
  issue.number = options.issueNumber;
  issue.url = `https://api.github.com/repos/${repository}/issues/${options.issueNumber}`;
  issue.html_url = `https://github.com/${repository}/issues/${options.issueNumber}`;
  comment.id = options.commentId ?? comment.id;
  comment.body = options.body;
  comment.user = { ...(comment.user as Json), login: options.login };
  payload.sender = { ...(payload.sender as Json), login: options.login };
  adaptRepository(payload, repository);
  return payload;
}
