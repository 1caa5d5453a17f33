/**
 * @module
 * POST /api/silences: silence an alert in Alertmanager (API v2) from the console or a
 * script, behind the API token. The bridge only relays: the silence lives in Alertmanager
 * (and gossips to its HA peers); the bridge records who asked for it in the audit trail.
 *
 * Body: exactly one of `matchers` ([{name, value, isRegex?, isEqual?}]), `labels` (an
 * alert's label set, matched exactly) or `executionId` (the labels of that execution's
 * alert); plus `duration` ("2h"), `comment` and optionally `createdBy`.
 * Answers 201 with the silence id, 400 naming the bad field, 404 for an unknown
 * execution, 502 when Alertmanager cannot be reached or refuses, 503 when no
 * Alertmanager is configured.
 *
 * @example
 *   app.route("/", silenceRoutes(deps, { alertmanagerUrls: config.alertmanagerUrls })); // in createApp
 */
import { Hono } from "hono";
import { formatDuration, isDuration, parseDuration } from "../runbooks/duration.js";
import { appendAudit } from "../store/audit.js";
import { findExecution } from "../store/executions.js";
import type { SilenceAnswer } from "./api-types.js";
import { apiAuth } from "./auth.js";
import type { HttpDeps } from "./deps.js";
import { requireJson } from "./json-content.js";

export interface SilenceRouteOptions {
  /** Alertmanager base URLs (ALERTMANAGER_URL, comma-separated for an HA pair: tried in order). */
  alertmanagerUrls: readonly string[];
  /** Per-request timeout towards Alertmanager. */
  timeoutMs?: number;
  /** Longest silence the bridge creates. */
  maxDurationMs?: number;
}

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface SilenceRequest {
  matchers: Matcher[];
  durationMs: number;
  comment: string;
  createdBy: string;
  executionId?: string;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; status: 400 | 404; error: string };

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_MATCHERS = 64;
const MIN_DURATION_MS = 60_000;

function fail(error: string, status: 400 | 404 = 400): { ok: false; status: 400 | 404; error: string } {
  return { ok: false, status, error };
}

function parseMatchers(raw: unknown): Parsed<Matcher[]> {
  if (!Array.isArray(raw) || raw.length === 0) {
    return fail('matchers must be a non-empty list like [{"name":"alertname","value":"NginxDown"}]');
  }
  if (raw.length > MAX_MATCHERS) return fail(`matchers: at most ${MAX_MATCHERS}`);
  const matchers: Matcher[] = [];
  for (const [index, item] of raw.entries()) {
    const m = item as Record<string, unknown> | null;
    if (typeof m !== "object" || m === null) return fail(`matchers[${index}] must be an object`);
    if (typeof m.name !== "string" || !LABEL_NAME.test(m.name)) {
      return fail(`matchers[${index}].name must be a label name (letters, digits, _)`);
    }
    if (typeof m.value !== "string" || m.value.length > 1_024) {
      return fail(`matchers[${index}].value must be a string of at most 1024 characters`);
    }
    for (const flag of ["isRegex", "isEqual"] as const) {
      if (m[flag] !== undefined && typeof m[flag] !== "boolean") {
        return fail(`matchers[${index}].${flag} must be true or false`);
      }
    }
    matchers.push({
      name: m.name,
      value: m.value,
      isRegex: (m.isRegex as boolean | undefined) ?? false,
      isEqual: (m.isEqual as boolean | undefined) ?? true,
    });
  }
  return { ok: true, value: matchers };
}

function matchersFromLabels(raw: unknown, field: string): Parsed<Matcher[]> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return fail(`${field} must be an object of label names to values`);
  }
  const entries = Object.entries(raw as Record<string, unknown>).filter(([, value]) => value !== "");
  if (entries.length === 0) return fail(`${field} must name at least one label`);
  const matchers = entries.map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
  return parseMatchers(matchers);
}

/**
 * Checks a silence request and resolves what it silences.
 *
 * @param body the parsed JSON body
 * @param lookupLabels the labels of an execution's alert, for `executionId`
 * @param maxDurationMs the longest silence allowed
 */
export async function parseSilenceRequest(
  body: unknown,
  lookupLabels: (executionId: string) => Promise<Record<string, string> | undefined>,
  maxDurationMs: number,
): Promise<Parsed<SilenceRequest>> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail('send JSON like {"labels": {...}, "duration": "2h", "comment": "why"}');
  }
  const b = body as Record<string, unknown>;
  const sources = ["matchers", "labels", "executionId"].filter((key) => b[key] !== undefined);
  if (sources.length !== 1) {
    return fail("send exactly one of matchers, labels or executionId to say what to silence");
  }
  let matchers: Parsed<Matcher[]>;
  let executionId: string | undefined;
  if (b.matchers !== undefined) matchers = parseMatchers(b.matchers);
  else if (b.labels !== undefined) matchers = matchersFromLabels(b.labels, "labels");
  else {
    if (typeof b.executionId !== "string" || b.executionId === "")
      return fail("executionId must be a string");
    executionId = b.executionId;
    const labels = await lookupLabels(executionId);
    if (!labels) return fail(`no execution ${executionId}`, 404);
    matchers = matchersFromLabels(labels, `the labels of ${executionId}`);
  }
  if (!matchers.ok) return matchers;

  if (typeof b.duration !== "string" || !isDuration(b.duration)) {
    return fail('duration must be a duration like "30m", "2h" or "1d"');
  }
  const durationMs = parseDuration(b.duration);
  if (durationMs < MIN_DURATION_MS || durationMs > maxDurationMs) {
    return fail(`duration must be from 1m to ${formatDuration(maxDurationMs)}`);
  }
  if (typeof b.comment !== "string" || b.comment.trim() === "" || b.comment.length > 1_000) {
    return fail("comment must say why (1 to 1000 characters); Alertmanager shows it with the silence");
  }
  if (b.createdBy !== undefined && (typeof b.createdBy !== "string" || b.createdBy.length > 100)) {
    return fail("createdBy must be a name of at most 100 characters");
  }
  const createdBy = typeof b.createdBy === "string" && b.createdBy.trim() ? b.createdBy.trim() : "runbridge";
  return {
    ok: true,
    value: { matchers: matchers.value, durationMs, comment: b.comment.trim(), createdBy, executionId },
  };
}

function describeMatchers(matchers: readonly Matcher[]): string {
  return matchers
    .map((m) => `${m.name}${m.isEqual ? "" : "!"}${m.isRegex ? "~" : "="}${JSON.stringify(m.value)}`)
    .join(", ");
}

interface PostOutcome {
  silenceId?: string;
  alertmanager: string;
  /** Alertmanager refused the silence itself (its 400): the request was wrong. */
  rejected?: string;
  error?: string;
}

async function postSilence(url: string, body: unknown, timeoutMs: number): Promise<PostOutcome> {
  let response: Response;
  try {
    response = await fetch(`${url}/api/v2/silences`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause =
      (error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : String(error);
    return { alertmanager: url, error: `cannot reach Alertmanager at ${url}: ${cause}` };
  }
  const text = (await response.text()).slice(0, 500).trim();
  if (response.status === 400) return { alertmanager: url, rejected: text };
  if (!response.ok) {
    return { alertmanager: url, error: `Alertmanager at ${url} answered ${response.status}: ${text}` };
  }
  try {
    const parsed = JSON.parse(text) as { silenceID?: unknown };
    if (typeof parsed.silenceID === "string") return { alertmanager: url, silenceId: parsed.silenceID };
  } catch {
    // fall through: not the answer Alertmanager's API v2 gives
  }
  return { alertmanager: url, error: `Alertmanager at ${url} answered without a silenceID: ${text}` };
}

export function silenceRoutes(
  deps: Pick<HttpDeps, "db" | "bus" | "config" | "log" | "now">,
  options: SilenceRouteOptions,
): Hono {
  const urls = options.alertmanagerUrls.map((url) => url.replace(/\/+$/, ""));
  for (const url of urls) {
    if (!/^https?:\/\/[^/]/.test(url)) {
      throw new Error(
        `ALERTMANAGER_URL ${JSON.stringify(url)} must be an http(s) URL like http://alertmanager:9093`,
      );
    }
  }
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxDurationMs = options.maxDurationMs ?? 30 * 86_400_000;
  const app = new Hono();

  app.post(
    "/api/silences",
    apiAuth(deps.config.apiToken, "write"),
    requireJson("send the silence as a JSON object"),
    async function createSilence(c) {
      if (urls.length === 0) {
        return c.json(
          {
            error:
              "silencing is not configured: set ALERTMANAGER_URL to the Alertmanager base URL (http://host:9093)",
          },
          503,
        );
      }
      const body = await c.req.json().catch(() => undefined);
      const parsed = await parseSilenceRequest(
        body,
        async (id) =>
          ((await findExecution(deps.db, id))?.alert as { labels?: Record<string, string> } | undefined)
            ?.labels,
        maxDurationMs,
      );
      if (!parsed.ok) return c.json({ error: parsed.error }, parsed.status);
      const request = parsed.value;
      const startsAt = new Date(deps.now());
      const endsAt = new Date(startsAt.getTime() + request.durationMs);
      const silence = {
        matchers: request.matchers,
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
        createdBy: request.createdBy,
        comment: request.comment,
      };

      const failures: string[] = [];
      for (const url of urls) {
        const outcome = await postSilence(url, silence, timeoutMs);
        if (outcome.rejected !== undefined) {
          return c.json({ error: `Alertmanager rejected the silence: ${outcome.rejected}` }, 400);
        }
        if (!outcome.silenceId) {
          failures.push(outcome.error ?? "unknown error");
          continue;
        }
        const alertname = request.matchers.find(
          (m) => m.name === "alertname" && m.isEqual && !m.isRegex,
        )?.value;
        const event = await appendAudit(deps.db, {
          at: deps.now(),
          kind: "silence.created",
          executionId: request.executionId ?? null,
          alertname: alertname ?? null,
          message: `silence ${outcome.silenceId} by ${request.createdBy} until ${silence.endsAt} (${formatDuration(request.durationMs)}) for ${describeMatchers(request.matchers)}: ${request.comment}`,
          data: {
            silenceId: outcome.silenceId,
            alertmanager: url,
            matchers: request.matchers,
            endsAt: silence.endsAt,
          },
        });
        deps.bus.publish([event]);
        return c.json(
          {
            silenceId: outcome.silenceId,
            startsAt: silence.startsAt,
            endsAt: silence.endsAt,
            matchers: request.matchers,
            url: `${url}/#/silences/${encodeURIComponent(outcome.silenceId)}`,
          } satisfies SilenceAnswer,
          201,
        );
      }
      deps.log.warn({ failures }, "silence not created: no Alertmanager took it");
      return c.json({ error: `no Alertmanager took the silence: ${failures.join("; ")}` }, 502);
    },
  );
  return app;
}
