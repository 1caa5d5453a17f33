/**
 * @module
 * The `promql` step: ask Prometheus (`/api/v1/query`) and expect the answer to hold. The honest
 * way to verify a fix is to check that the alert's own condition cleared.
 */
import type { ResolvedPromqlCheck } from "../../../bridge/runbooks/resolved-runbook.js";
import type { Secrets } from "../secrets.js";
import { buildHeaders } from "./headers.js";
import { readBody } from "./read-body.js";
import { targetQuery, targetUrl } from "./template.js";

export interface PromqlCheckOptions {
  target: string;
  secrets: Secrets;
  signal: AbortSignal;
  who: string;
}

interface Sample {
  metric: Record<string, string>;
  value: number;
}

interface QueryAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

function samplesOf(answer: QueryAnswer): Sample[] {
  const data = answer.data;
  const result = data?.result;
  switch (data?.resultType) {
    case "vector":
      return (result as { metric: Record<string, string>; value: [number, string] }[]).map((item) => ({
        metric: item.metric,
        value: Number(item.value[1]),
      }));
    case "scalar":
      return [{ metric: {}, value: Number((result as [number, string])[1]) }];
    case "matrix":
      // A range selector: judge each series by its newest sample.
      return (result as { metric: Record<string, string>; values: [number, string][] }[]).map((item) => ({
        metric: item.metric,
        value: Number(item.values.at(-1)?.[1]),
      }));
    default:
      throw new Error(
        `Prometheus answered resultType "${data?.resultType}", expected vector, scalar or matrix`,
      );
  }
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  "==": (a, b) => a === b,
  "!=": (a, b) => a !== b,
  "<=": (a, b) => a <= b,
  ">=": (a, b) => a >= b,
  "<": (a, b) => a < b,
  ">": (a, b) => a > b,
};

function describe(sample: Sample): string {
  const labels = Object.entries(sample.metric)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(", ");
  return `{${labels}} ${sample.value}`;
}

/**
 * Whether the samples satisfy `expect` (empty | nonempty | "<op> <number>").
 * @returns undefined when they do, else why not
 */
export function judge(samples: Sample[], expect: string): string | undefined {
  if (expect === "empty") {
    return samples.length === 0 ? undefined : `expected no series, got ${samples.length}`;
  }
  if (expect === "nonempty") return samples.length > 0 ? undefined : "expected at least one series, got none";
  const match = /^(==|!=|<=|>=|<|>)\s*(.+)$/.exec(expect);
  const compare = match ? COMPARE[match[1] as string] : undefined;
  if (!match || !compare)
    throw new Error(`expect "${expect}" is not empty, nonempty or a comparison like "< 0.05"`);
  const bound = Number(match[2]);
  if (samples.length === 0) return `expected every sample ${expect}, got no series`;
  const failing = samples.filter((sample) => !compare(sample.value, bound));
  if (failing.length === 0) return undefined;
  return `expected every sample ${expect}; ${failing.length} do not: ${failing.slice(0, 5).map(describe).join("; ")}`;
}

/**
 * Runs the query and judges the answer.
 * @returns the query and the samples it returned
 * @throws Error with the query and why the answer does not hold
 */
export async function checkPromql(check: ResolvedPromqlCheck, options: PromqlCheckOptions): Promise<string> {
  const query = targetQuery(check.query, options.target);
  const base = targetUrl(check.url, options.target);
  const url = new URL(`${base.pathname.replace(/\/$/, "")}/api/v1/query`, base);
  url.searchParams.set("query", query);
  const headers = buildHeaders(undefined, check.secretHeaders, options.secrets, options.who);
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: options.signal });
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new Error(`Prometheus at ${base.origin} unreachable: ${cause}`);
  }
  const { text } = await readBody(response);
  let answer: QueryAnswer;
  try {
    answer = JSON.parse(text) as QueryAnswer;
  } catch {
    throw new Error(
      `Prometheus at ${url.origin} answered HTTP ${response.status} without JSON: ${text.slice(0, 200)}`,
    );
  }
  if (answer.status !== "success") {
    throw new Error(
      `Prometheus rejected query ${query}: ${answer.errorType ?? "error"}: ${answer.error ?? text}`,
    );
  }
  const samples = samplesOf(answer);
  const { expect } = check;
  const shown = samples.slice(0, 20).map(describe).join("\n");
  const summary = `query ${query} → ${samples.length} series${shown ? `\n${shown}` : ""}`;
  const problem = judge(samples, expect);
  if (problem) throw new Error(`query ${query}: ${problem}`);
  return summary;
}
