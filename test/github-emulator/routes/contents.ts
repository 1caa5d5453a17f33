/**
 * @module Repository contents, commits, refs and annotated tags, answered from files and refs that
 * tests seed; refs can also be created and moved (the release workflow tags vX.Y.Z and moves vX).
 */
import { commit, contentEntry, gitRef, gitTag } from "../shapes.js";
import { blobSha, type EmulatorState, fakeSha, filesAt, fullRefName, resolveRef } from "../state.js";
import { GitHubError, notFound, type RouteHandler, repoOf } from "./context.js";

export const contentRoutes: Record<string, RouteHandler> = {
  "repos/get-content"(context) {
    const { owner, repo, key } = repoOf(context);
    const ref = typeof context.params.ref === "string" ? context.params.ref : context.options.defaultBranch;
    const path = String(context.params.path ?? "").replace(/^\/+|\/+$/g, "");
    const files = filesAt(context.state, key, ref);
    const where = { owner, repo, ref };

    const file = files.find((f) => f.path === path);
    if (file) {
      // `application/vnd.github.raw` (Octokit's mediaType.format "raw") asks for the bytes alone.
      if (/vnd\.github(\.v3)?\.raw/.test(context.accept)) {
        return {
          status: 200,
          raw: { contentType: "application/vnd.github.raw; charset=utf-8", data: file.content },
        };
      }
      const entry = { path, type: "file" as const, sha: blobSha(file.content), size: file.content.length };
      return { status: 200, body: contentEntry(context.urls, where, { ...entry, content: file.content }) };
    }

    const prefix = path === "" ? "" : `${path}/`;
    const children = new Map<string, ReturnType<typeof contentEntry>>();
    for (const f of files.filter((candidate) => candidate.path.startsWith(prefix))) {
      const [name = "", ...rest] = f.path.slice(prefix.length).split("/");
      const childPath = `${prefix}${name}`;
      if (children.has(childPath)) continue;
      const entry =
        rest.length === 0
          ? { path: childPath, type: "file" as const, sha: blobSha(f.content), size: f.content.length }
          : { path: childPath, type: "dir" as const, sha: fakeSha(`${key}@${ref}:${childPath}`), size: 0 };
      children.set(childPath, contentEntry(context.urls, where, entry));
    }
    if (children.size === 0) throw notFound();
    return { status: 200, body: [...children.values()].sort((a, b) => a.name.localeCompare(b.name)) };
  },

  "repos/get-commit"(context) {
    const { owner, repo, key } = repoOf(context);
    const ref = String(context.params.ref);
    const sha = resolveRef(context.state, key, ref);
    if (!sha) throw new GitHubError(422, `No commit found for SHA: ${ref}`);
    return { status: 200, body: commit(context.urls, owner, repo, sha, context.now) };
  },

  "git/get-ref"(context) {
    const { owner, repo, key } = repoOf(context);
    const raw = String(context.params.ref);
    // This endpoint wants `heads/<branch>` or `tags/<tag>`; a bare branch name is a 404 on GitHub.
    if (!/^(heads|tags)\//.test(raw)) throw notFound();
    const name = fullRefName(raw);
    const sha = context.state.refs.get(`${key}|${name}`) ?? context.state.refs.get(`*|${name}`);
    if (!sha) throw notFound();
    const annotated = context.state.tags.has(`${key}|${sha}`) || context.state.tags.has(`*|${sha}`);
    return { status: 200, body: gitRef(context.urls, owner, repo, name, sha, annotated ? "tag" : "commit") };
  },

  "git/get-tag"(context) {
    const { owner, repo, key } = repoOf(context);
    const sha = String(context.params.tag_sha);
    const record = context.state.tags.get(`${key}|${sha}`) ?? context.state.tags.get(`*|${sha}`);
    if (!record) throw notFound();
    return { status: 200, body: gitTag(context.urls, owner, repo, sha, record) };
  },

  "git/create-ref"(context) {
    const { owner, repo, key } = repoOf(context);
    const { ref, sha } = context.body as { ref: string; sha: string };
    // GitHub's rule: a fully qualified name, `refs/` and at least two slashes.
    if (!/^refs\/[^/]+\/.+/.test(ref)) {
      throw new GitHubError(422, `${ref} is not a valid ref name.`, { violation: true });
    }
    if (refSha(context.state, key, ref)) throw new GitHubError(422, "Reference already exists");
    if (resolveRef(context.state, key, sha) !== sha) throw new GitHubError(422, "Object does not exist");
    context.state.refs.set(`${key}|${ref}`, sha);
    return { status: 201, body: gitRef(context.urls, owner, repo, ref, sha) };
  },

  "git/update-ref"(context) {
    const { owner, repo, key } = repoOf(context);
    const raw = String(context.params.ref);
    if (!/^(heads|tags)\//.test(raw)) throw notFound();
    const name = fullRefName(raw);
    const { sha, force } = context.body as { sha: string; force?: boolean };
    if (!refSha(context.state, key, name)) throw new GitHubError(422, "Reference does not exist");
    if (resolveRef(context.state, key, sha) !== sha) throw new GitHubError(422, "Object does not exist");
    // The emulator keeps no history, so it cannot tell a fast-forward: only a forced move is
    // known to succeed on GitHub whatever the commits' ancestry.
    if (force !== true) {
      throw new GitHubError(
        422,
        "Update is not a fast forward (the emulator only moves refs with force: true)",
      );
    }
    context.state.refs.set(`${key}|${name}`, sha);
    return { status: 200, body: gitRef(context.urls, owner, repo, name, sha) };
  },
};

/** The commit a full ref name points at in `key` (or in every repository, when seeded so). */
function refSha(state: EmulatorState, key: string, name: string): string | undefined {
  return state.refs.get(`${key}|${name}`) ?? state.refs.get(`*|${name}`);
}
