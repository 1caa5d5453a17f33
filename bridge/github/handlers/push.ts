/**
 * @module
 * push: when runbooks are served from Git and the watched branch moves, reload them at
 * the pushed commit. An invalid set is rejected by the loader and the last good one stays.
 */
import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { GitHubHandlerDeps } from "../handler-deps.js";

type GitSource = NonNullable<GitHubHandlerDeps["runbooksFromGit"]>;

// reloads ran concurrently, so a slow load of an earlier push could finish after a later
// push's load and leave the older commit active. Reloads of one source now run one at a time,
// in the order the pushes arrived.
const reloading = new WeakMap<GitSource, Promise<void>>();

export async function onPush(deps: GitHubHandlerDeps, event: EmitterWebhookEvent<"push">): Promise<void> {
  const source = deps.runbooksFromGit;
  if (!source) return;
  const watched = source.ref.startsWith("refs/") ? source.ref : `refs/heads/${source.ref}`;
  if (event.payload.ref !== watched || event.payload.deleted) return;
  const previous = reloading.get(source) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => source.reloadAt(event.payload.after));
  reloading.set(source, next);
  await next;
}
