/**
 * @module
 * Verifies GitHub's webhook signatures (x-hub-signature-256, HMAC with the shared
 * secret) and routes the events the bridge uses to their handlers.
 */
import { Webhooks } from "@octokit/webhooks";
import type { GitHubHandlerDeps } from "./handler-deps.js";
import { onDeploymentProtectionRule } from "./handlers/deployment-protection-rule.js";
import { onIssueComment } from "./handlers/issue-comment.js";
import { onPush } from "./handlers/push.js";
import { onWorkflowJob } from "./handlers/workflow-job.js";
import { onWorkflowRun } from "./handlers/workflow-run.js";

export const HANDLED_EVENTS = [
  "workflow_run",
  "workflow_job",
  "deployment_protection_rule",
  "push",
  "issue_comment",
  "ping",
] as const;

export interface GitHubWebhookReceiver {
  verify(payload: string, signature: string): Promise<boolean>;
  handles(event: string): boolean;
  receive(id: string, name: string, payload: unknown): Promise<void>;
}

export function createGitHubWebhookReceiver(secret: string, deps: GitHubHandlerDeps): GitHubWebhookReceiver {
  const webhooks = new Webhooks({ secret });
  webhooks.on("workflow_run", (event) => onWorkflowRun(deps, event));
  webhooks.on("workflow_job", (event) => onWorkflowJob(deps, event));
  webhooks.on("deployment_protection_rule", (event) => onDeploymentProtectionRule(deps, event));
  webhooks.on("push", (event) => onPush(deps, event));
  webhooks.on("issue_comment", (event) => onIssueComment(deps, event));
  return {
    verify: (payload, signature) => webhooks.verify(payload, signature),
    handles: (event) => (HANDLED_EVENTS as readonly string[]).includes(event),
    receive: (id, name, payload) =>
      webhooks.receive({ id, name, payload } as Parameters<typeof webhooks.receive>[0]),
  };
}
