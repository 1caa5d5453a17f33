/**
 * @module The emulator's in-memory world: runs, jobs, dispatches, files, refs, issues, tokens.
 *
 * Tests seed it (`setFile`, `setRef`, `setJobs`) and read it back; route handlers change it
 * through the small functions below, which take the state first.
 */
import { createHash } from "node:crypto";

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
}

export interface JobRecord extends Required<Omit<JobInput, "steps">> {
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
  /** Logins of the required reviewers; empty: no required_reviewers rule (GitHub Team, private repo). */
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

export interface SeedOptions {
  /** `owner/repo` the seed belongs to; omitted, it applies to every repository. */
  repo?: string;
}

export interface EmulatorState {
  runs: WorkflowRunRecord[];
  jobs: Map<number, JobRecord[]>;
  dispatches: DispatchRecord[];
  gateReviews: GateReview[];
  issues: IssueRecord[];
  tokens: TokenRecord[];
  files: FileRecord[];
  /** `repoKey|*` + full ref name (`refs/heads/main`) → commit sha. */
  refs: Map<string, string>;
  counters: { run: number; job: number; issue: number; comment: number; workflow: number; token: number };
  workflowIds: Map<string, number>;
  /** `repoKey|name` → environment. */
  environments: Map<string, EnvironmentRecord>;
  /** `org/team` (lower-cased) → logins of its active members. */
  teams: Map<string, Set<string>>;
  /** `repoKey|login` (lower-cased) → permission (admin, maintain, write, triage, read). */
  permissions: Map<string, string>;
  /** Creates or replaces an environment; `reviewers` become its required_reviewers rule. */
  setEnvironment(
    name: string,
    settings?: { reviewers?: string[]; canAdminsBypass?: boolean },
    options?: SeedOptions,
  ): void;
  /** Sets the active members of team `org/team`. */
  setTeam(slug: string, members: string[]): void;
  /** Gives `login` a permission on the repository (unset: not a collaborator, 404). */
  setPermission(login: string, permission: string, options?: SeedOptions): void;
  /** Seeds a file at `ref` (branch, tag or sha); directories are derived from file paths. */
  setFile(ref: string, path: string, content: string | Buffer, options?: SeedOptions): void;
  /** Points a branch (`main`, `heads/main`, `refs/heads/main`) or tag (`tags/v1`) at a commit sha. */
  setRef(ref: string, sha: string, options?: SeedOptions): void;
  /** Replaces the jobs of a run, as `actions/list-jobs-for-workflow-run` will list them. */
  setJobs(runId: number, jobs: JobInput[]): JobRecord[];
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
    dispatches: [],
    gateReviews: [],
    issues: [],
    tokens: [],
    files: [],
    refs: new Map(),
    counters: { run: 0, job: 0, issue: 0, comment: 0, workflow: 0, token: 0 },
    workflowIds: new Map(),
    environments: new Map(),
    teams: new Map(),
    permissions: new Map(),
    setEnvironment(name, settings = {}, options) {
      state.environments.set(`${options?.repo?.toLowerCase() ?? "*"}|${name}`, {
        id: 4_000_000 + state.environments.size + 1,
        name,
        reviewers: settings.reviewers ?? [],
        canAdminsBypass: settings.canAdminsBypass ?? true,
        createdAt: new Date(Date.UTC(2025, 0, 1)),
      });
    },
    setTeam(slug, members) {
      state.teams.set(slug.toLowerCase(), new Set(members.map((login) => login.toLowerCase())));
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
    setJobs(runId, jobs) {
      const records = jobs.map((job) => ({
        id: 1_000_000 + ++state.counters.job,
        runId,
        name: job.name,
        status: job.status ?? "queued",
        conclusion: job.conclusion ?? null,
        labels: job.labels ?? ["ubuntu-latest"],
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
  };
  return state;
}

/** Empties everything but keeps counters, so ids stay unique across a reset like GitHub's. */
export function clearState(state: EmulatorState): void {
  state.runs.length = 0;
  state.jobs.clear();
  state.dispatches.length = 0;
  state.gateReviews.length = 0;
  state.issues.length = 0;
  state.tokens.length = 0;
  state.files.length = 0;
  state.refs.clear();
  state.workflowIds.clear();
  state.environments.clear();
  state.teams.clear();
  state.permissions.clear();
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
