/**
 * @module Fault injection: make the next N matching requests fail, stall or hang, as GitHub does
 * under load, so clients' retry, rate-limit and timeout paths run against real HTTP.
 *
 * @example
 *   gh.faults.push({ operationId: "actions/create-workflow-dispatch", times: 2, status: 502 });
 *   gh.faults.push(secondaryRateLimit({ times: 1 }));
 *   gh.faults.push({ operationId: "actions/create-workflow-dispatch", times: 1, reset: true });
 */
import { STATUS_CODES } from "node:http";

export interface FaultRule {
  /** Match requests for this operation (as routed from the spec). */
  operationId?: string;
  /** Match this HTTP method (case-insensitive). */
  method?: string;
  /** A string matches the spec path template or the exact request path; a RegExp is tested on the path. */
  pathPattern?: string | RegExp;
  /** How many matching requests to fault; counts down and the rule is removed at 0. */
  times: number;
  /** The status to answer with; omit it to answer normally (after `delayMs`). */
  status?: number;
  headers?: Record<string, string>;
  /** JSON body (an object) or a raw string (e.g. the HTML of a 502 page). */
  body?: unknown;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer; the socket stays open until the client gives up or the emulator closes. */
  hang?: boolean;
  /**
   * Reset the connection (TCP RST) instead of answering: the client sees ECONNRESET. With
   * `afterHandler`, the operation is performed first (a run exists, its answer never arrives).
   */
  reset?: boolean;
  /**
   * Perform the operation first, then answer with the fault: a lost response, as when GitHub
   * dispatches the run but the client sees a 502 and may retry into a duplicate.
   */
  afterHandler?: boolean;
}

export interface FaultTarget {
  method: string;
  path: string;
  template?: string;
  operationId?: string;
}

function matches(rule: FaultRule, target: FaultTarget): boolean {
  if (rule.operationId !== undefined && rule.operationId !== target.operationId) return false;
  if (rule.method !== undefined && rule.method.toUpperCase() !== target.method) return false;
  if (rule.pathPattern instanceof RegExp) return rule.pathPattern.test(target.path);
  if (rule.pathPattern !== undefined)
    return rule.pathPattern === target.template || rule.pathPattern === target.path;
  return true;
}

/**
 * Finds the first rule that matches, counts it down and drops it once used up.
 *
 * @returns the rule to apply, or undefined
 */
export function takeFault(faults: FaultRule[], target: FaultTarget): FaultRule | undefined {
  const index = faults.findIndex((rule) => rule.times > 0 && matches(rule, target));
  const rule = faults[index];
  if (!rule) return undefined;
  rule.times -= 1;
  if (rule.times <= 0) faults.splice(index, 1);
  return rule;
}

/** The body GitHub would send with `status` when a rule gives none. */
export function defaultFaultBody(status: number): unknown {
  return { message: STATUS_CODES[status] ?? "Error", documentation_url: "https://docs.github.com/rest" };
}

type Selector = Pick<FaultRule, "operationId" | "method" | "pathPattern"> & { times?: number };

/** GitHub's secondary rate limit: 403 with `retry-after` and its well-known message. */
export function secondaryRateLimit(selector: Selector & { retryAfterSeconds?: number } = {}): FaultRule {
  const { retryAfterSeconds = 1, times = 1, ...match } = selector;
  return {
    ...match,
    times,
    status: 403,
    headers: { "retry-after": String(retryAfterSeconds), "x-ratelimit-remaining": "4999" },
    body: {
      message:
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. " +
        "If you reach out to GitHub Support for help, please include the request ID.",
      documentation_url:
        "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
      status: "403",
    },
  };
}

/** GitHub's primary rate limit: 403, `x-ratelimit-remaining: 0` and the reset time. */
export function primaryRateLimit(selector: Selector & { resetAt: Date }): FaultRule {
  const { resetAt, times = 1, ...match } = selector;
  return {
    ...match,
    times,
    status: 403,
    headers: {
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-used": "5000",
      "x-ratelimit-reset": String(Math.ceil(resetAt.getTime() / 1000)),
      "x-ratelimit-resource": "core",
    },
    body: {
      message: "API rate limit exceeded for installation ID 1.",
      documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
      status: "403",
    },
  };
}

/** 429 Too Many Requests with `retry-after` in seconds. */
export function tooManyRequests(selector: Selector & { retryAfterSeconds?: number } = {}): FaultRule {
  const { retryAfterSeconds = 1, times = 1, ...match } = selector;
  return { ...match, times, status: 429, headers: { "retry-after": String(retryAfterSeconds) } };
}
