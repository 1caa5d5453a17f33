/**
 * @module
 * Finds the commit a release tag of the Action names, through the GitHub API
 * (`GET /repos/{owner}/{repo}/git/ref/tags/{tag}`, and `git/tags/{sha}` when the tag is
 * annotated), so generated workflows pin the Action by SHA, never by a movable tag.
 * A token is optional (public repository); without network, `--action-ref <sha>` skips this.
 */
import { Octokit } from "@octokit/rest";
import { CliError } from "../context.js";
import type { ActionPin } from "./workflows.js";

export interface PinLookup {
  /** `owner/name` the Action is released from. */
  repository: string;
  /** The release tag, `vX.Y.Z`. */
  version: string;
  /** GitHub's REST API base URL (`https://api.github.com`, or an emulator in tests). */
  apiUrl: string;
  token?: string;
}

/**
 * @returns the pin: the repository, the commit the tag points at, and the tag
 * @throws CliError when the tag does not exist or GitHub cannot be asked, saying how to pin offline
 */
export async function resolveActionPin(lookup: PinLookup): Promise<ActionPin> {
  const [owner = "", repo = ""] = lookup.repository.split("/");
  const octokit = new Octokit({
    baseUrl: lookup.apiUrl,
    ...(lookup.token ? { auth: lookup.token } : {}),
    userAgent: "runbridge-init",
    request: { retries: 0 },
  });
  const offline = `pass --action-ref <commit sha of ${lookup.repository} ${lookup.version}> to pin without asking GitHub`;
  try {
    const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: `tags/${lookup.version}` });
    let { type, sha } = ref.object;
    // An annotated tag points at a tag object; the workflow needs the commit it tags.
    for (let depth = 0; type === "tag" && depth < 5; depth++) {
      const { data: tag } = await octokit.rest.git.getTag({ owner, repo, tag_sha: sha });
      ({ type, sha } = tag.object);
    }
    if (type !== "commit") {
      throw new CliError(
        `tag ${lookup.version} of ${lookup.repository} points at a ${type}, not a commit; ${offline}.`,
      );
    }
    return { repository: lookup.repository, sha, version: lookup.version };
  } catch (error) {
    if (error instanceof CliError) throw error;
    const status = (error as { status?: number }).status;
    if (status === 404) {
      throw new CliError(
        `${lookup.repository} has no release tag ${lookup.version} (GitHub answered 404 for git/ref/tags/${lookup.version}); pick a released version with --action-version, or ${offline}.`,
      );
    }
    throw new CliError(
      `cannot look up ${lookup.repository} ${lookup.version} at ${lookup.apiUrl} (${(error as Error).message}); set GITHUB_TOKEN if GitHub limited the request, or ${offline}.`,
    );
  }
}
