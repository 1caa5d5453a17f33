/**
 * @module
 * The `http` step: send a request, expect a status (default: any 2xx) and optionally a piece
 * of text in the body.
 */
import type { ResolvedHttpCheck } from "../../../bridge/runbooks/resolved-runbook.js";
import type { Secrets } from "../secrets.js";
import { buildHeaders } from "./headers.js";
import { readBody } from "./read-body.js";
import { targetUrl } from "./template.js";

export interface HttpCheckOptions {
  target: string;
  secrets: Secrets;
  signal: AbortSignal;
  /** For errors about missing secrets: `step "healthy again"`. */
  who: string;
}

/** Whether `status` is one the check accepts. */
export function statusAccepted(check: ResolvedHttpCheck, status: number): boolean {
  if (check.expectStatus === undefined) return status >= 200 && status < 300;
  const accepted = Array.isArray(check.expectStatus) ? check.expectStatus : [check.expectStatus];
  return accepted.includes(status);
}

function expected(check: ResolvedHttpCheck): string {
  if (check.expectStatus === undefined) return "a 2xx status";
  return Array.isArray(check.expectStatus) ? check.expectStatus.join(" or ") : String(check.expectStatus);
}

/**
 * Runs the check.
 * @returns a line describing the answer, then the start of the body
 * @throws Error with the URL, the status and what was expected
 */
export async function checkHttp(check: ResolvedHttpCheck, options: HttpCheckOptions): Promise<string> {
  const url = targetUrl(check.url, options.target);
  const { method } = check;
  const headers = buildHeaders(check.headers, check.secretHeaders, options.secrets, options.who);
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: check.body, signal: options.signal });
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new Error(`${method} ${url} failed: ${cause}`);
  }
  const { text, cut } = await readBody(response);
  const head = `${method} ${url} → HTTP ${response.status}`;
  const body = text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
  if (!statusAccepted(check, response.status)) {
    throw new Error(`${head}, expected ${expected(check)}${body ? `\n${body}` : ""}`);
  }
  if (check.bodyContains !== undefined && !text.includes(check.bodyContains)) {
    const read = cut ? " (first 1 MiB read)" : "";
    throw new Error(`${head}, but the body does not contain "${check.bodyContains}"${read}`);
  }
  return body ? `${head}\n${body}` : head;
}
