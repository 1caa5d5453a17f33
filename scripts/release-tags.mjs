#!/usr/bin/env node
/**
 * Tags a release through the GitHub API (release.yml's release job; docs/releasing.md): creates
 * vX.Y.Z at the checked commit, or, when the run was started by pushing that tag, checks that
 * it names that commit; then moves (or creates) the major tag vX to the same commit, so
 * `uses: runbridge/runbridge/action@vX` follows the newest X.*.* release. The tags it creates are
 * lightweight: the ref's SHA is the commit's, which is what a `uses: …@<sha> # vX.Y.Z` pin names.
 * A version is tagged once: an existing vX.Y.Z is an error, and vX is then left where it was.
 *
 *   GH_TOKEN=… REPO=owner/name SHA=<commit> TAG=v1.2.0 MAJOR=v1 [TAG_EXISTS=true] node scripts/release-tags.mjs
 *
 * GITHUB_API_URL (set on Actions runners) points it at another API, e.g. the tests' emulator.
 * Plain Node, no dependencies: the release job runs it without `npm ci`.
 */

const api = (process.env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, "");
const token = process.env.GH_TOKEN ?? process.env.GITHUB_TOKEN ?? "";
const { REPO: repo = "", SHA: sha = "", TAG: tag = "", MAJOR: major = "" } = process.env;
const tagExists = process.env.TAG_EXISTS === "true";

function fail(message) {
  console.error(`::error::${message}`);
  process.exit(1);
}

async function github(method, path, body) {
  const response = await fetch(`${api}/repos/${repo}/${path}`, {
    method,
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${token}`,
      "x-github-api-version": "2022-11-28",
      ...(body && { "content-type": "application/json" }),
    },
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, data: text ? JSON.parse(text) : undefined };
}

function explain({ status, data }) {
  return `${status} ${data?.message ?? ""}`.trim();
}

if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) fail(`REPO=${JSON.stringify(repo)} must be owner/name`);
if (!/^[0-9a-f]{40}$/.test(sha)) fail(`SHA=${JSON.stringify(sha)} must be a full commit SHA`);
if (!/^v\d+\.\d+\.\d+$/.test(tag)) fail(`TAG=${JSON.stringify(tag)} must be vX.Y.Z`);
if (major !== tag.split(".")[0]) fail(`MAJOR=${JSON.stringify(major)} must be ${tag.split(".")[0]}`);
if (!token) fail("GH_TOKEN is unset: the job needs a token with contents: write");

if (tagExists) {
  // The pushed tag, annotated or not: commits/<tag> answers the commit it names.
  const tagged = await github("GET", `commits/${tag}`);
  if (tagged.status !== 200) fail(`cannot read ${tag}: ${explain(tagged)}`);
  if (tagged.data.sha !== sha) fail(`${tag} points at ${tagged.data.sha}, but this run checked ${sha}`);
  console.log(`${tag} is at ${sha}`);
} else {
  const created = await github("POST", "git/refs", { ref: `refs/tags/${tag}`, sha });
  if (created.status === 422 && /already exists/i.test(created.data?.message ?? "")) {
    fail(`${tag} already exists: a version is released once; release the next one (docs/releasing.md)`);
  }
  if (created.status !== 201) fail(`cannot create ${tag}: ${explain(created)}`);
  console.log(`tagged ${tag} at ${sha}`);
}

const current = await github("GET", `git/ref/tags/${major}`);
if (current.status === 200) {
  const moved = await github("PATCH", `git/refs/tags/${major}`, { sha, force: true });
  if (moved.status !== 200) fail(`cannot move ${major}: ${explain(moved)}`);
  console.log(`moved ${major} from ${current.data.object.sha} to ${sha}`);
} else if (current.status === 404) {
  const created = await github("POST", "git/refs", { ref: `refs/tags/${major}`, sha });
  if (created.status !== 201) fail(`cannot create ${major}: ${explain(created)}`);
  console.log(`created ${major} at ${sha}`);
} else {
  fail(`cannot read ${major}: ${explain(current)}`);
}
