/**
 * @module
 * The few reads of the bridge's API the demo makes (to narrate and to find what to approve):
 * the same HTTP API the console and `curl` use.
 */
import type { ExecutionJson, ExecutionsAnswer, StatusAnswer } from "../bridge/http/api-types.js";

export type { ExecutionJson };

async function get<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** The runbook's executions, newest first. */
export async function executionsOf(bridgeUrl: string, runbook: string): Promise<ExecutionJson[]> {
  const answer = await get<ExecutionsAnswer>(
    `${bridgeUrl}/api/executions?runbook=${encodeURIComponent(runbook)}&limit=100`,
  );
  return answer.executions;
}

export async function awaitingApproval(bridgeUrl: string): Promise<ExecutionJson[]> {
  return (await get<ExecutionsAnswer>(`${bridgeUrl}/api/executions?state=awaiting_approval&limit=100`))
    .executions;
}

export function status(bridgeUrl: string): Promise<StatusAnswer> {
  return get<StatusAnswer>(`${bridgeUrl}/api/status`);
}
