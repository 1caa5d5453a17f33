/**
 * @module
 * Loopback stand-ins for where the bridge's own notifications go: a Slack-compatible incoming
 * webhook (`POST {"text": …}` → 200 "ok") and PagerDuty's Events API v2 (`POST /v2/enqueue`),
 * which checks each body as PagerDuty documents it (routing_key, event_action, dedup_key up to
 * 255 characters, a trigger's payload with summary ≤ 1024, source, severity one of
 * critical|error|warning|info) and answers 202 with the dedup_key, or 400 "invalid event"
 * naming what is wrong. Either can be told to answer with other statuses first (a 500, a 429).
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { LOOPBACK, waitUntil } from "./ports.js";

export interface ReceivedNotification {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** What the receiver answered. */
  status: number;
  /** For PagerDuty: what is wrong with the body (empty when it is a valid event). */
  problems: string[];
}

export interface NotificationReceivers {
  slackUrl: string;
  pagerDutyUrl: string;
  received: ReceivedNotification[];
  /** Requests the receiver accepted (2xx) at `path` ("/slack" or "/v2/enqueue"). */
  accepted(path: string): ReceivedNotification[];
  /** The next answers at `path` are these statuses, in order, before the usual one. */
  failNext(path: string, ...statuses: number[]): void;
  waitFor(
    predicate: (request: ReceivedNotification) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedNotification>;
  close(): Promise<void>;
}

const SEVERITIES = ["critical", "error", "warning", "info"];
const ACTIONS = ["trigger", "acknowledge", "resolve"];

/** What PagerDuty would refuse in an Events API v2 body (https://developer.pagerduty.com, Events API v2). */
export function pagerDutyProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof body.routing_key !== "string" || body.routing_key.length !== 32) {
    problems.push("routing_key must be the integration's 32-character key");
  }
  if (!ACTIONS.includes(body.event_action as string))
    problems.push("event_action must be trigger, acknowledge or resolve");
  const dedup = body.dedup_key;
  if (dedup !== undefined && (typeof dedup !== "string" || dedup.length === 0 || dedup.length > 255)) {
    problems.push("dedup_key must be a string of 1 to 255 characters");
  }
  if (body.event_action !== "trigger" && typeof dedup !== "string") {
    problems.push("dedup_key is required to acknowledge or resolve");
  }
  if (body.event_action === "trigger") {
    const payload = body.payload as Record<string, unknown> | undefined;
    if (!payload || typeof payload !== "object") problems.push("payload is required for a trigger");
    else {
      if (
        typeof payload.summary !== "string" ||
        payload.summary.length === 0 ||
        payload.summary.length > 1024
      )
        problems.push("payload.summary must be 1 to 1024 characters");
      if (typeof payload.source !== "string" || payload.source.length === 0)
        problems.push("payload.source is required");
      if (!SEVERITIES.includes(payload.severity as string))
        problems.push("payload.severity must be critical, error, warning or info");
      if (payload.timestamp !== undefined && Number.isNaN(Date.parse(String(payload.timestamp))))
        problems.push("payload.timestamp must be ISO 8601");
      if (payload.custom_details !== undefined && typeof payload.custom_details !== "object")
        problems.push("payload.custom_details must be an object");
    }
    const links = body.links;
    if (
      links !== undefined &&
      (!Array.isArray(links) || links.some((link) => typeof (link as { href?: unknown }).href !== "string"))
    ) {
      problems.push("links must be a list of { href, text }");
    }
  }
  const known = new Set([
    "routing_key",
    "event_action",
    "dedup_key",
    "payload",
    "links",
    "images",
    "client",
    "client_url",
  ]);
  for (const key of Object.keys(body)) if (!known.has(key)) problems.push(`unknown field ${key}`);
  return problems;
}

export async function startNotificationReceivers(): Promise<NotificationReceivers> {
  const received: ReceivedNotification[] = [];
  const failures = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "";
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        received.push({ path, headers: req.headers, body: {}, status: 400, problems: ["invalid JSON"] });
        res.writeHead(400).end("invalid JSON");
        return;
      }
      const forced = failures.get(path)?.shift();
      const record = (status: number, problems: string[] = []) =>
        received.push({ path, headers: req.headers, body, status, problems });
      if (forced !== undefined) {
        record(forced);
        res.writeHead(forced, { "content-type": "text/plain" }).end("forced failure");
        return;
      }
      if (path === "/slack") {
        const ok = typeof body.text === "string" && req.headers["content-type"] === "application/json";
        record(ok ? 200 : 400);
        res.writeHead(ok ? 200 : 400, { "content-type": "text/plain" }).end(ok ? "ok" : "invalid_payload");
        return;
      }
      if (path === "/v2/enqueue") {
        const problems = pagerDutyProblems(body);
        if (problems.length > 0) {
          record(400, problems);
          res.writeHead(400, { "content-type": "application/json" }).end(
            JSON.stringify({
              status: "invalid event",
              message: "Event object is invalid",
              errors: problems,
            }),
          );
          return;
        }
        record(202);
        const dedupKey = typeof body.dedup_key === "string" ? body.dedup_key : `generated-${received.length}`;
        res
          .writeHead(202, { "content-type": "application/json" })
          .end(JSON.stringify({ status: "success", message: "Event processed", dedup_key: dedupKey }));
        return;
      }
      record(404);
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const base = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
  return {
    slackUrl: `${base}/slack`,
    pagerDutyUrl: `${base}/v2/enqueue`,
    received,
    accepted: (path) => received.filter((request) => request.path === path && request.status < 300),
    failNext(path, ...statuses) {
      failures.set(path, [...(failures.get(path) ?? []), ...statuses]);
    },
    waitFor: (predicate, timeoutMs = 15_000) =>
      waitUntil(() => received.find(predicate), {
        what: "a matching notification",
        timeoutMs,
        intervalMs: 20,
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
