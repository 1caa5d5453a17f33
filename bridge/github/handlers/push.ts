/**
 * @module
 * push: when runbooks are served from Git and the watched branch moves, reload them at
 * the pushed commit. An invalid set is rejected by the loader and the last good one stays;
 * reloads run one at a time, in the order the pushes arrived (runbooks/reloader.ts).
 */
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { GitHubHandlerDeps } from "../handler-deps.js";

export async function onPush(deps: GitHubHandlerDeps, event: EmitterWebhookEvent<"push">): Promise<void> {
  const source = deps.runbooksFromGit;
  if (!source) return;
  const watched = source.ref.startsWith("refs/") ? source.ref : `refs/heads/${source.ref}`;
  if (event.payload.ref !== watched || event.payload.deleted) return;
  await source.reloadAt(event.payload.after);
}
