/**
 * @module
 * The HTTP side of the bridge's own notifications: a Slack-compatible incoming webhook and
 * PagerDuty's Events API v2, each one POST of JSON. Failures say whether trying again can
 * help (Alertmanager's notifiers return `(retry, err)` for the same reason): a 5xx, a 429 or
 * a timeout can; a 4xx (a revoked webhook, an invalid routing key) cannot.
 */
import type { PagerDutyRequest, SlackRequest } from "./request.js";

export class NotificationError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    /** The receiver asked to wait this long (429 with Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "NotificationError";
  }
}

export interface PostDeps {
  /** Reads a secret by name (the bridge's environment). */
  secret: (name: string) => string | undefined;
  pagerDutyUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

function secretOf(deps: PostDeps, name: string, what: string): string {
  const value = deps.secret(name);
  if (!value) throw new NotificationError(`set ${name} in the bridge's environment (${what})`, false);
  return value;
}

async function postJson(deps: PostDeps, url: string, body: unknown, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await (deps.fetch ?? fetch)(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
  } catch (error) {
    throw new NotificationError(`${what}: ${(error as Error).message}`, true);
  }
  if (response.ok) return response;
  const text = (await response.text().catch(() => "")).slice(0, 300);
  const retryAfter = Number(response.headers.get("retry-after"));
  throw new NotificationError(
    `${what} answered ${response.status}${text ? `: ${text}` : ""}`,
    response.status === 429 || response.status >= 500,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1_000 : undefined,
  );
}

/** @returns what the webhook answered, for the audit trail */
export async function postSlack(deps: PostDeps, request: SlackRequest): Promise<string> {
  const url = secretOf(deps, request.webhookSecret, "the Slack webhook URL");
  const response = await postJson(deps, url, { text: request.text }, "Slack webhook");
  return `webhook answered ${response.status}`;
}

/** @returns the dedup_key PagerDuty accepted */
export async function postPagerDuty(deps: PostDeps, request: PagerDutyRequest): Promise<string> {
  const routingKey = secretOf(deps, request.routingKeySecret, "the PagerDuty routing key");
  const response = await postJson(
    deps,
    deps.pagerDutyUrl,
    { routing_key: routingKey, ...request.event },
    "PagerDuty Events API",
  );
  const answer = (await response.json().catch(() => ({}))) as { dedup_key?: string };
  return `${request.event.event_action} ${answer.dedup_key ?? request.event.dedup_key}`;
}
