/**
 * @module `actions/create-workflow-dispatch` and `repos/create-dispatch-event`: both start a run.
 */
import { fakeSha, resolveRef, type WorkflowRunRecord, workflowIdFor } from "../state.js";
import { GitHubError, notFound, type RouteContext, type RouteHandler, repoOf } from "./context.js";

/** GitHub's limit on a repository_dispatch client_payload, which the schema cannot express. */
const CLIENT_PAYLOAD_MAX_BYTES = 64 * 1024;

/**
 * API version from which workflow dispatch always answers 200 with run details (the spec's
 * `x-github-breaking-changes` entry `change_workflow_dispatch_response_status`).
 */
const ALWAYS_RUN_DETAILS_FROM = "2026-03-10";

function startRun(
  context: RouteContext,
  input: {
    workflow: string;
    ref: string;
    event: WorkflowRunRecord["event"];
    inputs: Record<string, unknown>;
  },
): WorkflowRunRecord {
  const { owner, repo, key } = repoOf(context);
  const { state, options } = context;
  const workflowId = workflowIdFor(state, input.workflow);
  const seededRefs = [...state.refs.keys()].some(
    (name) => name.startsWith(`${key}|`) || name.startsWith("*|"),
  );
  const sha = resolveRef(state, key, input.ref);
  // Only once a test seeds refs does an unknown ref fail, as on GitHub ("No ref found for: x").
  if (seededRefs && sha === undefined) throw new GitHubError(422, `No ref found for: ${input.ref}`);
  const run: WorkflowRunRecord = {
    id: 9_000_000_000 + ++state.counters.run,
    owner,
    repo,
    workflowFile: input.workflow,
    workflowId,
    event: input.event,
    status: "queued",
    conclusion: null,
    inputs: input.inputs,
    ref: input.ref,
    headSha: sha ?? fakeSha(`${key}@${input.ref}`),
    displayTitle: options.runName(input.inputs),
    runNumber:
      state.runs.filter((r) => r.workflowId === workflowId && `${r.owner}/${r.repo}`.toLowerCase() === key)
        .length + 1,
    createdAt: context.now,
    updatedAt: context.now,
  };
  state.runs.push(run);
  return run;
}

export const dispatchRoutes: Record<string, RouteHandler> = {
  "actions/create-workflow-dispatch"(context) {
    const { owner, repo } = repoOf(context);
    const workflow = String(context.params.workflow_id);
    const known = context.options.workflows;
    if (
      known &&
      !known.includes(workflow) &&
      !known.some((w) => String(workflowIdFor(context.state, w)) === workflow)
    ) {
      throw notFound();
    }
    const body = context.body as {
      ref: string;
      inputs?: Record<string, unknown>;
      return_run_details?: boolean;
    };
    const inputs = body.inputs ?? {};
    const run = startRun(context, { workflow, ref: body.ref, event: "workflow_dispatch", inputs });
    context.state.dispatches.push({
      kind: "workflow_dispatch",
      owner,
      repo,
      runId: run.id,
      time: context.now,
      workflow,
      ref: body.ref,
      inputs,
    });
    if (body.return_run_details !== true && context.apiVersion < ALWAYS_RUN_DETAILS_FROM)
      return { status: 204 };
    return {
      status: 200,
      body: {
        workflow_run_id: run.id,
        run_url: `${context.urls.api}/repos/${owner}/${repo}/actions/runs/${run.id}`,
        html_url: `${context.urls.html}/${owner}/${repo}/actions/runs/${run.id}`,
      },
    };
  },

  "repos/create-dispatch-event"(context) {
    const { owner, repo } = repoOf(context);
    const body = context.body as { event_type: string; client_payload?: Record<string, unknown> };
    const payload = body.client_payload ?? {};
    const size = Buffer.byteLength(JSON.stringify(payload));
    if (size >= CLIENT_PAYLOAD_MAX_BYTES) {
      throw new GitHubError(422, `client_payload is ${size} bytes; it must be less than 64 KB`, {
        violation: true,
      });
    }
    const run = startRun(context, {
      workflow: context.options.repositoryDispatchWorkflow,
      ref: context.options.defaultBranch,
      event: "repository_dispatch",
      inputs: payload,
    });
    context.state.dispatches.push({
      kind: "repository_dispatch",
      owner,
      repo,
      runId: run.id,
      time: context.now,
      eventType: body.event_type,
      clientPayload: payload,
    });
    return { status: 204 };
  },
};
