/**
 * @module The emulator's in-memory world: runs, jobs, dispatches, files, refs, issues, tokens.
 *
 * Tests seed it (`setFile`, `setRef`, `setJobs`) and read it back; route handlers change it
 * through the small functions below, which take the state first.
 */
import { createHash, randomBytes } from "node:crypto";

export type RunStatus =
  | "queued"
  | "in_progress"
  | "completed"
  | "waiting"
  | "requested"
  | "pending"
  | "action_required";
export type RunConclusion =
  | "success"
  | "failure"
  | "cancelled"
  | "skipped"
  | "timed_out"
  | "neutral"
  | "action_required"
  | "stale"
  | null;

export interface WorkflowRunRecord {
  id: number;
  owner: string;
  repo: string;
  /** The workflow as the client named it: a file name (`remediate.yml`) or a numeric id. */
  workflowFile: string;
  workflowId: number;
  event: "workflow_dispatch" | "repository_dispatch";
  status: RunStatus;
  conclusion: RunConclusion;
  inputs: Record<string, unknown>;
  ref: string;
  headSha: string;
  /** The run name (`run-name:`), which GitHub returns as `display_title`. */
  displayTitle: string;
  runNumber: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface JobInput {
  name: string;
  status?: "queued" | "in_progress" | "completed" | "waiting";
  conclusion?: RunConclusion;
  steps?: { name: string; status?: string; conclusion?: string | null }[];
  labels?: string[];
  /** What the job's check run reports as annotations (`::notice title=…::…` and the like). */
  annotations?: AnnotationInput[];
}

export interface AnnotationInput {
  level?: "notice" | "warning" | "failure";
  title: string;
  message: string;
}

/** An artifact a run uploaded (actions/upload-artifact). */
export interface ArtifactRecord {
  id: number;
  runId: number;
  name: string;
  sizeInBytes: number;
  createdAt: Date;
}

export interface JobRecord extends Required<Omit<JobInput, "steps" | "annotations">> {
  annotations: Required<AnnotationInput>[];
  id: number;
  runId: number;
  steps: { name: string; status: string; conclusion: string | null; number: number }[];
}

export interface DispatchRecord {
  kind: "workflow_dispatch" | "repository_dispatch";
  owner: string;
  repo: string;
  runId: number;
  time: Date;
  /** workflow_dispatch: the workflow file or id, the ref and the inputs. */
  workflow?: string;
  ref?: string;
  inputs?: Record<string, unknown>;
  /** repository_dispatch: the event type and client payload. */
  eventType?: string;
  clientPayload?: Record<string, unknown>;
}

export interface GateReview {
  runId: number;
  environmentName: string;
  state?: "approved" | "rejected";
  comment?: string;
  time: Date;
}

export interface IssueRecord {
  id: number;
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  labels: string[];
  assignees: string[];
  state: "open" | "closed";
  /** Why it was closed (`completed`, `not_planned`), as `state_reason` reports it. */
  stateReason?: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** Set when the issue is closed (issues/update with state: closed). */
  closedAt?: Date;
  comments: CommentRecord[];
}

export interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  createdAt: Date;
}

export interface EnvironmentRecord {
  id: number;
  name: string;
  /**
   * The required reviewers: user logins, and teams as `org/team`; empty: no required_reviewers
   * rule (GitHub Team, private repo).
   */
  reviewers: string[];
  canAdminsBypass: boolean;
  createdAt: Date;
}

export interface TokenRecord {
  token: string;
  installationId: number;
  expiresAt: Date;
  permissions: Record<string, string>;
  repositories?: string[];
}

interface FileRecord {
  repo: string | null;
  ref: string;
  path: string;
  content: Buffer;
}

/** An annotated tag object: what `git/get-tag` answers for its sha. */
export interface TagRecord {
  repo: string | null;
  name: string;
  message: string;
  commitSha: string;
}

/**
 * A GitHub App manifest someone submitted on the emulated "github.com" page, waiting for its
 * one-time code to be converted (`POST /app-manifests/{code}/conversions`).
 */
export interface ManifestRecord {
  code: string;
  /** The manifest as submitted (JSON text parsed). */
  manifest: Record<string, unknown>;
  /** The user or organization that will own the App. */
  owner: string;
  createdAt: Date;
}

/** An App created from a manifest, with the credentials the conversion handed out. */
export interface AppRecord {
  id: number;
  slug: string;
  owner: string;
  manifest: Record<string, unknown>;
  clientId: string;
  clientSecret: string;
  webhookSecret: string | null;
  pem: string;
  createdAt: Date;
}

export interface SeedOptions {
  /** `owner/repo` the seed belongs to; omitted, it applies to every repository. */
  repo?: string;
}

export interface EmulatorState {
  runs: WorkflowRunRecord[];
  jobs: Map<number, JobRecord[]>;
  /** Run id → the artifacts it uploaded. */
  artifacts: Map<number, ArtifactRecord[]>;
  dispatches: DispatchRecord[];
  gateReviews: GateReview[];
  issues: IssueRecord[];
  tokens: TokenRecord[];
  files: FileRecord[];
  /** `repoKey|*` + full ref name (`refs/heads/main`) → commit sha (or an annotated tag's object sha). */
  refs: Map<string, string>;
  /** `repoKey|*` + tag object sha → the annotated tag. */
  tags: Map<string, TagRecord>;
  /** Manifests submitted on the emulated "github.com" page, by their one-time code. */
  manifests: Map<string, ManifestRecord>;
  /** Apps created by converting a manifest code. */
  apps: AppRecord[];
  counters: {
    run: number;
    job: number;
    issue: number;
    comment: number;
    workflow: number;
    token: number;
    app: number;
  };
  workflowIds: Map<string, number>;
  /** `repoKey|name` → environment. */
  environments: Map<string, EnvironmentRecord>;
  /** `org/team` (lower-cased) → logins of its active members. */
  teams: Map<string, Set<string>>;
  /** `repoKey|login` (lower-cased) → permission (admin, maintain, write, triage, read). */
  permissions: Map<string, string>;
  /** `org/team` (lower-cased) → the team's permission on every repository (unset: no access). */
  teamPermissions: Map<string, string>;
  /** Logins that exist on GitHub besides those seeded as team members or collaborators (lower-cased). */
  users: Set<string>;
  /** Creates or replaces an environment; `reviewers` become its required_reviewers rule. */
  setEnvironment(
    name: string,
    settings?: { reviewers?: string[]; canAdminsBypass?: boolean },
    options?: SeedOptions,
  ): void;
  /** Sets the active members of team `org/team`, and the team's permission on the repositories. */
  setTeam(slug: string, members: string[], settings?: { permission?: string }): void;
  /** A GitHub account that exists without being a collaborator or team member. */
  setUser(login: string): void;
  /** Gives `login` a permission on the repository (unset: not a collaborator, 404). */
  setPermission(login: string, permission: string, options?: SeedOptions): void;
  /** Seeds a file at `ref` (branch, tag or sha); directories are derived from file paths. */
  setFile(ref: string, path: string, content: string | Buffer, options?: SeedOptions): void;
  /** Points a branch (`main`, `heads/main`, `refs/heads/main`) or tag (`tags/v1`) at a commit sha. */
  setRef(ref: string, sha: string, options?: SeedOptions): void;
  /**
   * Creates an annotated tag `name` on `commitSha`: `refs/tags/<name>` then points at a tag
   * object (type `tag`), which `git/get-tag` dereferences. Returns the tag object's sha.
   */
  setAnnotatedTag(name: string, commitSha: string, options?: SeedOptions & { message?: string }): string;
  /** Records a submitted manifest and returns the one-time code GitHub redirects back with. */
  submitManifest(manifest: Record<string, unknown>, owner: string, now: Date): string;
  /** Replaces the jobs of a run, as `actions/list-jobs-for-workflow-run` will list them. */
  setJobs(runId: number, jobs: JobInput[]): JobRecord[];
  /** The artifacts a run uploaded, by name. */
  setArtifacts(runId: number, names: string[]): ArtifactRecord[];
}

/** Lower-cased `owner/repo`, since GitHub treats both case-insensitively. */
export function repoKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

/** `main` → `refs/heads/main`, `tags/v1` → `refs/tags/v1`, `heads/x` → `refs/heads/x`. */
export function fullRefName(ref: string): string {
  if (ref.startsWith("refs/")) return ref;
  if (ref.startsWith("heads/") || ref.startsWith("tags/")) return `refs/${ref}`;
  return `refs/heads/${ref}`;
}

/** A stable fake commit sha for refs nobody seeded, so runs still get a `head_sha`. */
export function fakeSha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}

/** The git blob sha GitHub reports for file contents. */
export function blobSha(content: Buffer): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

const SHA = /^[0-9a-f]{40}$/;

/** Creates an empty state with its seeding methods bound. */
export function createState(): EmulatorState {
  const state: EmulatorState = {
    runs: [],
    jobs: new Map(),
    artifacts: new Map(),
    dispatches: [],
    gateReviews: [],
    issues: [],
    tokens: [],
    files: [],
    refs: new Map(),
    tags: new Map(),
    manifests: new Map(),
    apps: [],
    counters: { run: 0, job: 0, issue: 0, comment: 0, workflow: 0, token: 0, app: 0 },
    workflowIds: new Map(),
    environments: new Map(),
    teams: new Map(),
    permissions: new Map(),
    teamPermissions: new Map(),
    users: new Set(),
    setEnvironment(name, settings = {}, options) {
      state.environments.set(`${options?.repo?.toLowerCase() ?? "*"}|${name}`, {
        id: 4_000_000 + state.environments.size + 1,
        name,
        reviewers: settings.reviewers ?? [],
        canAdminsBypass: settings.canAdminsBypass ?? true,
        createdAt: new Date(Date.UTC(2025, 0, 1)),
      });
    },
    setTeam(slug, members, settings = {}) {
      state.teams.set(slug.toLowerCase(), new Set(members.map((login) => login.toLowerCase())));
      if (settings.permission) state.teamPermissions.set(slug.toLowerCase(), settings.permission);
      else state.teamPermissions.delete(slug.toLowerCase());
    },
    setUser(login) {
      state.users.add(login.toLowerCase());
    },
    setPermission(login, permission, options) {
      state.permissions.set(`${options?.repo?.toLowerCase() ?? "*"}|${login.toLowerCase()}`, permission);
    },
    setFile(ref, path, content, options) {
      const normalized = path.replace(/^\/+|\/+$/g, "");
      const repo = options?.repo?.toLowerCase() ?? null;
      state.files = state.files.filter((f) => !(f.repo === repo && f.ref === ref && f.path === normalized));
      state.files.push({ repo, ref, path: normalized, content: Buffer.from(content) });
    },
    setRef(ref, sha, options) {
      if (!SHA.test(sha))
        throw new Error(`setRef("${ref}", "${sha}"): a sha must be 40 lower-case hex digits`);
      state.refs.set(`${options?.repo?.toLowerCase() ?? "*"}|${fullRefName(ref)}`, sha);
    },
    setAnnotatedTag(name, commitSha, options) {
      if (!SHA.test(commitSha))
        throw new Error(`setAnnotatedTag("${name}", "${commitSha}"): a sha must be 40 lower-case hex digits`);
      const repo = options?.repo?.toLowerCase() ?? null;
      const tagSha = fakeSha(`tag ${repo ?? "*"} ${name} ${commitSha}`);
      state.tags.set(`${repo ?? "*"}|${tagSha}`, {
        repo,
        name,
        message: options?.message ?? `Release ${name}`,
        commitSha,
      });
      state.refs.set(`${repo ?? "*"}|${fullRefName(`tags/${name}`)}`, tagSha);
      return tagSha;
    },
    submitManifest(manifest, owner, now) {
      const code = randomBytes(10).toString("hex");
      state.manifests.set(code, { code, manifest, owner, createdAt: now });
      return code;
    },
    setJobs(runId, jobs) {
      const records = jobs.map((job) => ({
        id: 1_000_000 + ++state.counters.job,
        runId,
        name: job.name,
        status: job.status ?? "queued",
        conclusion: job.conclusion ?? null,
        labels: job.labels ?? ["ubuntu-latest"],
        annotations: (job.annotations ?? []).map((annotation) => ({
          level: "notice" as const,
          ...annotation,
        })),
        steps: (job.steps ?? []).map((step, index) => ({
          name: step.name,
          status: step.status ?? job.status ?? "queued",
          conclusion: step.conclusion ?? null,
          number: index + 1,
        })),
      }));
      state.jobs.set(runId, records);
      return records;
    },
    setArtifacts(runId, names) {
      const records = names.map((name) => ({
        id: 5_000_000 + ++state.counters.job,
        runId,
        name,
        sizeInBytes: 1_024,
        createdAt: new Date(),
      }));
      state.artifacts.set(runId, records);
      return records;
    },
  };
  return state;
}

/** Empties everything but keeps counters, so ids stay unique across a reset like GitHub's. */
export function clearState(state: EmulatorState): void {
  state.runs.length = 0;
  state.jobs.clear();
  state.artifacts.clear();
  state.dispatches.length = 0;
  state.gateReviews.length = 0;
  state.issues.length = 0;
  state.tokens.length = 0;
  state.files.length = 0;
  state.refs.clear();
  state.tags.clear();
  state.manifests.clear();
  state.apps.length = 0;
  state.workflowIds.clear();
  state.environments.clear();
  state.teams.clear();
  state.permissions.clear();
  state.teamPermissions.clear();
  state.users.clear();
}

/** Whether a login exists: seeded as a user, a team member, a collaborator or a reviewer. */
export function userExists(state: EmulatorState, login: string): boolean {
  const lower = login.toLowerCase();
  if (state.users.has(lower)) return true;
  if ([...state.teams.values()].some((members) => members.has(lower))) return true;
  if ([...state.permissions.keys()].some((key) => key.endsWith(`|${lower}`))) return true;
  return [...state.environments.values()].some((env) =>
    env.reviewers.some((reviewer) => reviewer.toLowerCase() === lower),
  );
}

/** Resolves a branch, tag, full ref or known sha to a commit sha; `undefined` when unknown. */
export function resolveRef(state: EmulatorState, key: string, ref: string): string | undefined {
  const candidates =
    ref.startsWith("refs/") || ref.startsWith("heads/") || ref.startsWith("tags/")
      ? [fullRefName(ref)]
      : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const name of candidates) {
    const sha = state.refs.get(`${key}|${name}`) ?? state.refs.get(`*|${name}`);
    if (sha) return sha;
  }
  if (SHA.test(ref) && isKnownSha(state, key, ref)) return ref;
  return undefined;
}

function isKnownSha(state: EmulatorState, key: string, sha: string): boolean {
  for (const [name, value] of state.refs) {
    if (value === sha && (name.startsWith(`${key}|`) || name.startsWith("*|"))) return true;
  }
  return state.files.some((f) => f.ref === sha && (f.repo === null || f.repo === key));
}

/** Files visible in `key` at `ref`: seeded under that ref's name or under the sha it resolves to. */
export function filesAt(state: EmulatorState, key: string, ref: string): FileRecord[] {
  const sha = resolveRef(state, key, ref);
  const visible = state.files.filter(
    (f) =>
      (f.repo === null || f.repo === key) &&
      (f.ref === ref ||
        fullRefName(f.ref) === fullRefName(ref) ||
        (sha !== undefined && resolveRef(state, key, f.ref) === sha)),
  );
  // A repository-specific seed wins over a seed for every repository at the same path.
  const byPath = new Map<string, FileRecord>();
  for (const file of visible) if (!byPath.has(file.path) || file.repo !== null) byPath.set(file.path, file);
  return [...byPath.values()];
}

/** The numeric id GitHub would give a workflow file; numeric names are taken as ids. */
export function workflowIdFor(state: EmulatorState, workflow: string): number {
  if (/^\d+$/.test(workflow)) return Number(workflow);
  let id = state.workflowIds.get(workflow);
  if (id === undefined) {
    id = 100_000 + ++state.counters.workflow;
    state.workflowIds.set(workflow, id);
  }
  return id;
}
