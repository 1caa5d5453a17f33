/**
 * @module What a route handler receives and returns, and the error it throws to answer like GitHub.
 */
import type { Urls } from "../shapes.js";
import type { EmulatorState } from "../state.js";
import type { FieldError } from "../validate.js";

export interface RouteOptions {
  /** Computes a run's `display_title` from its inputs (the workflow's `run-name:`). */
  runName: (inputs: Record<string, unknown>) => string;
  /** The workflow's `name:`, returned as the run's `name`. */
  workflowName: (workflowFile: string) => string;
  /** Workflows that exist; `undefined` accepts any file name or id. */
  workflows?: string[];
  /** The workflow file a `repository_dispatch` starts. */
  repositoryDispatchWorkflow: string;
  defaultBranch: string;
  /** Login of the actor on runs, issues and comments. */
  actor: string;
  tokenTtlMs: number;
  rateLimit: { limit: number };
}

export interface RouteContext {
  state: EmulatorState;
  /** Path and query parameters, already converted to their schema types. */
  params: Record<string, unknown>;
  body: unknown;
  accept: string;
  /** `X-GitHub-Api-Version` the client asked for, or GitHub's default. */
  apiVersion: string;
  urls: Urls;
  options: RouteOptions;
  now: Date;
  /** Requests answered so far, for the rate-limit numbers. */
  requestCount: number;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON body (raw file contents), sent as is. */
  raw?: { contentType: string; data: Buffer };
}

export type RouteHandler = (context: RouteContext) => RouteResult;

export const DOCS_URL = "https://docs.github.com/rest";

/** Thrown by handlers; the server turns it into GitHub's error body. */
export class GitHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly options: {
      errors?: FieldError[];
      /** The client broke a documented rule the schema cannot express: record a violation too. */
      violation?: boolean;
    } = {},
  ) {
    super(message);
  }
}

export const notFound = () => new GitHubError(404, "Not Found");

/** `owner`, `repo` and the lower-cased key the state uses, from the path parameters. */
export function repoOf(context: RouteContext): { owner: string; repo: string; key: string } {
  const owner = String(context.params.owner);
  const repo = String(context.params.repo);
  return { owner, repo, key: `${owner}/${repo}`.toLowerCase() };
}

/**
 * One page of `items` plus GitHub's `Link` header, so Octokit's paginate() walks it.
 *
 * @returns the page and the headers to send with it
 */
export function paginate<T>(context: RouteContext, path: string, items: T[]) {
  const perPage = Math.min(Math.max(Number(context.params.per_page ?? 30), 1), 100);
  const page = Math.max(Number(context.params.page ?? 1), 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (target: number, rel: string) => {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(context.params)) {
      if (!["owner", "repo", "workflow_id", "run_id", "check_run_id", "page"].includes(name))
        query.set(name, String(value));
    }
    query.set("page", String(target));
    return `<${context.urls.api}${path}?${query}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"), link(page - 1, "prev"));
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: (links.length > 0 ? { link: links.join(", ") } : {}) as Record<string, string>,
  };
}
