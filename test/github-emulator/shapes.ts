/**
 * @module Builds response objects in the exact shapes the spec declares (`workflow-run`, `job`,
 * `issue`, …) from the emulator's small records, so clients parse what GitHub would send.
 */
import { createHash } from "node:crypto";
import type {
  AppRecord,
  ArtifactRecord,
  CommentRecord,
  IssueRecord,
  JobRecord,
  TagRecord,
  WorkflowRunRecord,
} from "./state.js";

/** Where links point: the emulator for API URLs, a GitHub-like host for html URLs. */
export interface Urls {
  api: string;
  html: string;
}

const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

function nodeId(prefix: string, id: number | string): string {
  return `${prefix}_${Buffer.from(String(id)).toString("base64url")}`;
}

/** `components/schemas/simple-user` for a login (a bot when it ends in `[bot]`). */
export function simpleUser(urls: Urls, login: string, id = 41898282) {
  // Bot logins contain "[bot]", which is not allowed raw in a URI.
  const name = encodeURIComponent(login);
  const api = `${urls.api}/users/${name}`;
  return {
    login,
    id,
    node_id: nodeId("U", id),
    avatar_url: `${urls.html}/avatars/${name}`,
    gravatar_id: "",
    url: api,
    html_url: `${urls.html}/${name}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: login.endsWith("[bot]") ? "Bot" : "User",
    site_admin: false,
  };
}

/** `components/schemas/minimal-repository`. */
export function minimalRepository(urls: Urls, owner: string, repo: string) {
  const api = `${urls.api}/repos/${owner}/${repo}`;
  const templated = (name: string, suffix: string) => [`${name}_url`, `${api}/${suffix}`] as const;
  return {
    id: 1296269,
    node_id: nodeId("R", `${owner}/${repo}`),
    name: repo,
    full_name: `${owner}/${repo}`,
    owner: simpleUser(urls, owner, 1),
    private: true,
    html_url: `${urls.html}/${owner}/${repo}`,
    description: null,
    fork: false,
    url: api,
    ...Object.fromEntries([
      templated("archive", "{archive_format}{/ref}"),
      templated("assignees", "assignees{/user}"),
      templated("blobs", "git/blobs{/sha}"),
      templated("branches", "branches{/branch}"),
      templated("collaborators", "collaborators{/collaborator}"),
      templated("comments", "comments{/number}"),
      templated("commits", "commits{/sha}"),
      templated("compare", "compare/{base}...{head}"),
      templated("contents", "contents/{+path}"),
      templated("contributors", "contributors"),
      templated("deployments", "deployments"),
      templated("downloads", "downloads"),
      templated("events", "events"),
      templated("forks", "forks"),
      templated("git_commits", "git/commits{/sha}"),
      templated("git_refs", "git/refs{/sha}"),
      templated("git_tags", "git/tags{/sha}"),
      templated("hooks", "hooks"),
      templated("issue_comment", "issues/comments{/number}"),
      templated("issue_events", "issues/events{/number}"),
      templated("issues", "issues{/number}"),
      templated("keys", "keys{/key_id}"),
      templated("labels", "labels{/name}"),
      templated("languages", "languages"),
      templated("merges", "merges"),
      templated("milestones", "milestones{/number}"),
      templated("notifications", "notifications{?since,all,participating}"),
      templated("pulls", "pulls{/number}"),
      templated("releases", "releases{/id}"),
      templated("stargazers", "stargazers"),
      templated("statuses", "statuses/{sha}"),
      templated("subscribers", "subscribers"),
      templated("subscription", "subscription"),
      templated("tags", "tags"),
      templated("teams", "teams"),
      templated("trees", "git/trees{/sha}"),
    ]),
  };
}

/** `components/schemas/workflow-run`. */
export function workflowRun(urls: Urls, run: WorkflowRunRecord, actor: string, workflowName: string) {
  const repoApi = `${urls.api}/repos/${run.owner}/${run.repo}`;
  const api = `${repoApi}/actions/runs/${run.id}`;
  const repository = minimalRepository(urls, run.owner, run.repo);
  const user = simpleUser(urls, actor);
  const branch = run.ref.replace(/^refs\/(heads|tags)\//, "");
  return {
    id: run.id,
    name: workflowName,
    node_id: nodeId("WFR", run.id),
    check_suite_id: run.id + 500_000,
    check_suite_node_id: nodeId("CS", run.id + 500_000),
    head_branch: branch,
    head_sha: run.headSha,
    path: `.github/workflows/${run.workflowFile}`,
    display_title: run.displayTitle,
    run_number: run.runNumber,
    run_attempt: 1,
    referenced_workflows: [],
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflowId,
    url: api,
    html_url: `${urls.html}/${run.owner}/${run.repo}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: iso(run.createdAt),
    updated_at: iso(run.updatedAt),
    actor: user,
    triggering_actor: user,
    run_started_at: iso(run.createdAt),
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${repoApi}/check-suites/${run.id + 500_000}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    previous_attempt_url: null,
    workflow_url: `${repoApi}/actions/workflows/${run.workflowId}`,
    head_commit: {
      id: run.headSha,
      tree_id: run.headSha.split("").reverse().join(""),
      message: `Emulated commit on ${branch}`,
      timestamp: iso(run.createdAt),
      author: { name: "Runbridge Tests", email: "tests@example.com" },
      committer: { name: "GitHub", email: "noreply@github.com" },
    },
    repository,
    head_repository: repository,
  };
}

/** `components/schemas/job`. */
export function job(urls: Urls, run: WorkflowRunRecord, record: JobRecord, workflowName: string) {
  const repoApi = `${urls.api}/repos/${run.owner}/${run.repo}`;
  const started = record.status === "queued" ? null : iso(run.updatedAt);
  return {
    id: record.id,
    run_id: run.id,
    run_url: `${repoApi}/actions/runs/${run.id}`,
    run_attempt: 1,
    node_id: nodeId("CR", record.id),
    head_sha: run.headSha,
    url: `${repoApi}/actions/jobs/${record.id}`,
    html_url: `${urls.html}/${run.owner}/${run.repo}/actions/runs/${run.id}/job/${record.id}`,
    status: record.status,
    conclusion: record.conclusion,
    created_at: iso(run.createdAt),
    started_at: started ?? iso(run.createdAt),
    completed_at: record.status === "completed" ? iso(run.updatedAt) : null,
    name: record.name,
    steps: record.steps.map((step) => ({
      name: step.name,
      status: step.status,
      conclusion: step.conclusion,
      number: step.number,
      started_at: started,
      completed_at: step.status === "completed" ? iso(run.updatedAt) : null,
    })),
    check_run_url: `${repoApi}/check-runs/${record.id}`,
    labels: record.labels,
    runner_id: null,
    runner_name: null,
    runner_group_id: null,
    runner_group_name: null,
    workflow_name: workflowName,
    head_branch: run.ref.replace(/^refs\/(heads|tags)\//, ""),
  };
}

/** `components/schemas/content-file` (and, without `content`, a directory entry). */
export function contentEntry(
  urls: Urls,
  where: { owner: string; repo: string; ref: string },
  entry: { path: string; type: "file" | "dir"; sha: string; size: number; content?: Buffer },
) {
  const repoApi = `${urls.api}/repos/${where.owner}/${where.repo}`;
  const self = `${repoApi}/contents/${entry.path}?ref=${encodeURIComponent(where.ref)}`;
  const kind = entry.type === "file" ? "blob" : "tree";
  const git = `${repoApi}/git/${kind}s/${entry.sha}`;
  const html = `${urls.html}/${where.owner}/${where.repo}/${kind}/${where.ref}/${entry.path}`;
  return {
    type: entry.type,
    size: entry.size,
    name: entry.path.split("/").pop() ?? entry.path,
    path: entry.path,
    sha: entry.sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url:
      entry.type === "file"
        ? `${urls.api}/_raw/${where.owner}/${where.repo}/${where.ref}/${entry.path}`
        : null,
    _links: { self, git, html },
    ...(entry.content === undefined
      ? {}
      : // GitHub wraps base64 at 60 characters with "\n", and clients must tolerate it.
        { content: `${entry.content.toString("base64").replace(/(.{60})/g, "$1\n")}\n`, encoding: "base64" }),
  };
}

/** `components/schemas/commit`, without files or stats. */
export function commit(urls: Urls, owner: string, repo: string, sha: string, date: Date) {
  const repoApi = `${urls.api}/repos/${owner}/${repo}`;
  const person = { name: "Runbridge Tests", email: "tests@example.com", date: iso(date) };
  return {
    url: `${repoApi}/commits/${sha}`,
    sha,
    node_id: nodeId("C", sha),
    html_url: `${urls.html}/${owner}/${repo}/commit/${sha}`,
    comments_url: `${repoApi}/commits/${sha}/comments`,
    commit: {
      url: `${repoApi}/git/commits/${sha}`,
      author: person,
      committer: person,
      message: "Emulated commit",
      comment_count: 0,
      tree: { sha: sha.split("").reverse().join(""), url: `${repoApi}/git/trees/${sha}` },
      verification: {
        verified: false,
        reason: "unsigned",
        payload: null,
        signature: null,
        verified_at: null,
      },
    },
    author: null,
    committer: null,
    parents: [],
    stats: { additions: 0, deletions: 0, total: 0 },
    files: [],
  };
}

/** `components/schemas/git-ref`. */
export function gitRef(
  urls: Urls,
  owner: string,
  repo: string,
  ref: string,
  sha: string,
  type: "commit" | "tag" = "commit",
) {
  const repoApi = `${urls.api}/repos/${owner}/${repo}`;
  return {
    ref,
    node_id: nodeId("REF", ref),
    url: `${repoApi}/git/${ref}`,
    object: { type, sha, url: `${repoApi}/git/${type}s/${sha}` },
  };
}

/** `components/schemas/git-tag`: an annotated tag object, pointing at its commit. */
export function gitTag(urls: Urls, owner: string, repo: string, sha: string, record: TagRecord) {
  const repoApi = `${urls.api}/repos/${owner}/${repo}`;
  return {
    node_id: nodeId("TAG", sha),
    tag: record.name,
    sha,
    url: `${repoApi}/git/tags/${sha}`,
    message: record.message,
    tagger: { date: "2025-01-01T00:00:00Z", email: "release@example.com", name: "release" },
    object: { sha: record.commitSha, type: "commit", url: `${repoApi}/git/commits/${record.commitSha}` },
    verification: { verified: false, reason: "unsigned", payload: null, signature: null, verified_at: null },
  };
}

/** `apps/create-from-manifest`'s 201: the `integration` plus the credentials handed out once. */
export function appFromManifest(urls: Urls, record: AppRecord) {
  const manifest = record.manifest as {
    name?: string;
    description?: string;
    url?: string;
    default_permissions?: Record<string, string>;
    default_events?: string[];
  };
  return {
    id: record.id,
    slug: record.slug,
    node_id: nodeId("A", record.id),
    client_id: record.clientId,
    owner: simpleUser(urls, record.owner, 2),
    name: manifest.name ?? record.slug,
    description: manifest.description ?? null,
    external_url: manifest.url ?? `${urls.html}/apps/${record.slug}`,
    html_url: `${urls.html}/apps/${record.slug}`,
    created_at: iso(record.createdAt),
    updated_at: iso(record.createdAt),
    permissions: { metadata: "read", ...manifest.default_permissions },
    events: manifest.default_events ?? [],
    client_secret: record.clientSecret,
    webhook_secret: record.webhookSecret,
    pem: record.pem,
  };
}

/** `components/schemas/issue`. */
export function issue(urls: Urls, record: IssueRecord, author: string) {
  const repoApi = `${urls.api}/repos/${record.owner}/${record.repo}`;
  const api = `${repoApi}/issues/${record.number}`;
  return {
    id: record.id,
    node_id: nodeId("I", record.id),
    url: api,
    repository_url: repoApi,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: `${urls.html}/${record.owner}/${record.repo}/issues/${record.number}`,
    number: record.number,
    state: record.state,
    state_reason: record.stateReason ?? (record.state === "closed" ? "completed" : null),
    title: record.title,
    body: record.body,
    user: simpleUser(urls, author),
    labels: record.labels.map((name, index) => ({
      id: record.id * 100 + index,
      node_id: nodeId("LA", `${record.id}-${name}`),
      url: `${repoApi}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: "ededed",
      default: false,
    })),
    assignee: record.assignees[0] === undefined ? null : simpleUser(urls, record.assignees[0]),
    assignees: record.assignees.map((login) => simpleUser(urls, login)),
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: record.comments.length,
    closed_at: record.closedAt ? iso(record.closedAt) : null,
    created_at: iso(record.createdAt),
    updated_at: iso(record.updatedAt),
    author_association: "NONE",
  };
}

/** `components/schemas/issue-comment`. */
export function issueComment(urls: Urls, record: IssueRecord, comment: CommentRecord, author: string) {
  const repoApi = `${urls.api}/repos/${record.owner}/${record.repo}`;
  return {
    id: comment.id,
    node_id: nodeId("IC", comment.id),
    url: `${repoApi}/issues/comments/${comment.id}`,
    html_url: `${urls.html}/${record.owner}/${record.repo}/issues/${record.number}#issuecomment-${comment.id}`,
    body: comment.body,
    user: simpleUser(urls, author),
    created_at: iso(comment.createdAt),
    updated_at: iso(comment.createdAt),
    issue_url: `${repoApi}/issues/${record.number}`,
    author_association: "NONE",
  };
}

export { iso };

/** `components/schemas/public-user` for a login. */
export function publicUser(urls: Urls, login: string, id = 41898282) {
  return {
    ...simpleUser(urls, login, id),
    user_view_type: "public",
    name: null,
    company: null,
    blog: null,
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: "2020-01-01T00:00:00Z",
    updated_at: "2020-01-01T00:00:00Z",
  };
}

/** A stable numeric id for a team slug, so every shape of one team agrees. */
function teamId(slug: string): number {
  return 6_000_000 + (createHash("sha1").update(slug.toLowerCase()).digest().readUInt32BE(0) % 1_000_000);
}

/** `components/schemas/team` for `org/team` (as an environment's reviewer lists it). */
export function team(urls: Urls, slug: string, permission = "pull") {
  const [org = "", name = ""] = slug.split("/");
  const id = teamId(slug);
  const api = `${urls.api}/organizations/1/team/${id}`;
  return {
    id,
    node_id: nodeId("T", id),
    url: api,
    html_url: `${urls.html}/orgs/${org}/teams/${name}`,
    name,
    slug: name,
    description: null,
    privacy: "closed",
    notification_setting: "notifications_enabled",
    permission,
    members_url: `${api}/members{/member}`,
    repositories_url: `${api}/repos`,
    type: "organization",
    parent: null,
  };
}

/** `components/schemas/team-full` for `org/team`. */
export function teamFull(urls: Urls, slug: string, membersCount: number) {
  const [org = ""] = slug.split("/");
  const orgApi = `${urls.api}/orgs/${org}`;
  const { parent: _parent, ...rest } = team(urls, slug);
  return {
    ...rest,
    parent: null,
    created_at: "2020-01-01T00:00:00Z",
    updated_at: "2020-01-01T00:00:00Z",
    members_count: membersCount,
    repos_count: 1,
    organization: {
      login: org,
      id: 1,
      node_id: nodeId("O", org),
      url: orgApi,
      repos_url: `${orgApi}/repos`,
      events_url: `${orgApi}/events`,
      hooks_url: `${orgApi}/hooks`,
      issues_url: `${orgApi}/issues`,
      members_url: `${orgApi}/members{/member}`,
      public_members_url: `${orgApi}/public_members{/member}`,
      avatar_url: `${urls.html}/avatars/${org}`,
      description: null,
      html_url: `${urls.html}/${org}`,
      has_organization_projects: true,
      has_repository_projects: true,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      type: "Organization",
      created_at: "2020-01-01T00:00:00Z",
      updated_at: "2020-01-01T00:00:00Z",
      archived_at: null,
    },
  };
}

/** `components/schemas/team-repository`: the repository with the team's permissions on it. */
export function teamRepository(urls: Urls, owner: string, repo: string, permission: string) {
  const base = minimalRepository(urls, owner, repo);
  const html = `${urls.html}/${owner}/${repo}`;
  const at = (level: string) =>
    ["read", "triage", "write", "maintain", "admin"].indexOf(permission) >=
    ["read", "triage", "write", "maintain", "admin"].indexOf(level);
  return {
    ...base,
    clone_url: `${html}.git`,
    git_url: `git:${html.replace(/^https?:/, "")}.git`,
    ssh_url: `git@github.invalid:${owner}/${repo}.git`,
    svn_url: html,
    mirror_url: null,
    homepage: null,
    language: null,
    default_branch: "main",
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 1,
    open_issues: 0,
    open_issues_count: 0,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: false,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: "2025-01-01T00:00:00Z",
    created_at: "2020-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    role_name: permission,
    permissions: {
      admin: at("admin"),
      maintain: at("maintain"),
      push: at("write"),
      triage: at("triage"),
      pull: at("read"),
    },
  };
}

/** `components/schemas/artifact`: what actions/upload-artifact left on a run. */
export function artifact(urls: Urls, run: WorkflowRunRecord, record: ArtifactRecord) {
  const repoApi = `${urls.api}/repos/${run.owner}/${run.repo}`;
  const expires = new Date(record.createdAt.getTime() + 90 * 24 * 3_600_000);
  return {
    id: record.id,
    node_id: nodeId("MDg6QXJ0aWZhY3Q", record.id),
    name: record.name,
    size_in_bytes: record.sizeInBytes,
    url: `${repoApi}/actions/artifacts/${record.id}`,
    archive_download_url: `${repoApi}/actions/artifacts/${record.id}/zip`,
    expired: false,
    created_at: iso(record.createdAt),
    expires_at: iso(expires),
    updated_at: iso(record.createdAt),
    workflow_run: {
      id: run.id,
      repository_id: 1,
      head_repository_id: 1,
      head_branch: run.ref.replace(/^refs\/(heads|tags)\//, ""),
      head_sha: run.headSha,
    },
  };
}

/**
 * `components/schemas/check-annotation` as GitHub reports a workflow command's annotation
 * (`::notice title=…::…` without a file): on `.github`, line 1, no columns, no raw details.
 */
export function checkAnnotation(
  urls: Urls,
  run: WorkflowRunRecord,
  record: JobRecord["annotations"][number],
) {
  return {
    path: ".github",
    start_line: 1,
    end_line: 1,
    start_column: null,
    end_column: null,
    annotation_level: record.level,
    title: record.title,
    message: record.message,
    raw_details: null,
    blob_href: `${urls.html}/${run.owner}/${run.repo}/blob/${run.headSha}/.github`,
  };
}
