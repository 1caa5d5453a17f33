/**
 * @module
 * GET /api/events: the audit trail as a live Server-Sent Events stream, for the console
 * and for `curl -N`. Every event carries its audit id as the SSE `id:`, so a browser's
 * EventSource reconnects with `Last-Event-ID` and gets what it missed replayed from the
 * audit table — the stream loses nothing a reconnect can recover.
 *
 * Query: `kind` (comma list; `decision.*` matches a prefix), `alertname` (comma list),
 * `backlog` (on a fresh connection, first send the last n matching events, up to 500),
 * `lastEventId` (instead of the header, for clients that cannot set it).
 * Frames: `event: audit` (id + JSON), `event: heartbeat` every 15 s (no id, so the
 * reconnect point is kept), `event: ready` once subscribed, `event: reset` when more was
 * missed than can be replayed (reload instead).
 *
 * @example
 *   const events = createEventStream(deps);
 *   createApp(deps, { events });
 *   // on shutdown, before server.close(): open streams would otherwise keep it waiting
 *   events.close();
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { type AuditEvent, type AuditQuery, queryAudit } from "../store/audit.js";
import type { EventFrames } from "./api-types.js";
import { apiAuth } from "./auth.js";
import type { HttpDeps } from "./deps.js";
import { optionalInt } from "./query-params.js";

export interface EventStreamOptions {
  /** Interval of heartbeat frames; proxies close idle connections, clients detect dead ones. */
  heartbeatMs?: number;
  /** How long a browser waits before reconnecting (the SSE `retry:` field). */
  retryMs?: number;
  /** Most events replayed after a reconnect; beyond that the client gets `reset`. */
  replayLimit?: number;
  /** Frames queued for a client that reads too slowly before it is disconnected (it reconnects and replays). */
  maxQueued?: number;
}

export interface EventStream {
  routes: Hono;
  /** Connected clients. */
  clients(): number;
  /** Ends every open stream (shutdown); new connections are refused with 503. */
  close(): void;
}

export interface EventFilter {
  kinds: { exact: Set<string>; prefixes: string[] };
  alertnames: Set<string>;
}

const SCAN_PAGE = 1_000;
const MAX_SCANNED = 20_000;

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** `kind=decision.*,dispatch.failed&alertname=NginxDown` → a filter; a bad value is a 400. */
export function parseEventFilter(kind: string | undefined, alertname: string | undefined): EventFilter {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of list(kind)) {
    if (!/^[a-z_.]+\*?$/.test(entry)) {
      throw new HTTPException(400, {
        message: `kind ${JSON.stringify(entry)} is not a kind: use names like decision.suppressed, or a prefix like dispatch.*`,
      });
    }
    if (entry.endsWith("*")) prefixes.push(entry.slice(0, -1));
    else exact.add(entry);
  }
  return { kinds: { exact, prefixes }, alertnames: new Set(list(alertname)) };
}

export function eventMatches(filter: EventFilter, event: AuditEvent): boolean {
  const { exact, prefixes } = filter.kinds;
  if (exact.size + prefixes.length > 0) {
    if (!exact.has(event.kind) && !prefixes.some((prefix) => event.kind.startsWith(prefix))) return false;
  }
  if (filter.alertnames.size > 0 && !filter.alertnames.has(event.alertname ?? "")) return false;
  return true;
}

/** Narrows the SQL query when the filter allows it (one exact kind, one alertname). */
function sqlFilter(filter: EventFilter): Pick<AuditQuery, "kind" | "alertname"> {
  const [onlyKind] = filter.kinds.exact;
  const [onlyAlertname] = filter.alertnames;
  return {
    kind: filter.kinds.exact.size === 1 && filter.kinds.prefixes.length === 0 ? onlyKind : undefined,
    alertname: filter.alertnames.size === 1 ? onlyAlertname : undefined,
  };
}

/**
 * Matching events newer than `afterId`, oldest first; `overflow` when more than `limit`
 * (or the scan reached its bound before finding `afterId`).
 */
export function missedEvents(
  deps: Pick<HttpDeps, "db">,
  filter: EventFilter,
  afterId: number,
  limit: number,
): { events: AuditEvent[]; overflow: boolean } {
  const found: AuditEvent[] = [];
  let before: number | undefined;
  for (let scanned = 0; scanned < MAX_SCANNED; scanned += SCAN_PAGE) {
    const page = queryAudit(deps.db, { ...sqlFilter(filter), n: SCAN_PAGE, before });
    for (const event of page) {
      if (event.id <= afterId) return { events: found.reverse(), overflow: false };
      if (!eventMatches(filter, event)) continue;
      if (found.length === limit) return { events: found.reverse(), overflow: true };
      found.push(event);
    }
    if (page.length < SCAN_PAGE) return { events: found.reverse(), overflow: false };
    before = page[page.length - 1]?.id;
  }
  return { events: found.reverse(), overflow: true };
}

/** The last `n` matching events, oldest first. */
function backlogEvents(deps: Pick<HttpDeps, "db">, filter: EventFilter, n: number): AuditEvent[] {
  if (n === 0) return [];
  const found: AuditEvent[] = [];
  let before: number | undefined;
  for (let scanned = 0; scanned < MAX_SCANNED && found.length < n; scanned += SCAN_PAGE) {
    const page = queryAudit(deps.db, { ...sqlFilter(filter), n: SCAN_PAGE, before });
    for (const event of page) {
      if (eventMatches(filter, event)) found.push(event);
      if (found.length === n) break;
    }
    if (page.length < SCAN_PAGE) break;
    before = page[page.length - 1]?.id;
  }
  return found.reverse();
}

function frame<Type extends keyof EventFrames>(fields: {
  event: Type;
  data: EventFrames[Type];
  id?: number;
}): string {
  // JSON.stringify never emits raw newlines, so the data is always one `data:` line.
  const id = fields.id === undefined ? "" : `id: ${fields.id}\n`;
  return `${id}event: ${fields.event}\ndata: ${JSON.stringify(fields.data)}\n\n`;
}

function parseLastEventId(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new HTTPException(400, {
      message: "Last-Event-ID must be the id of an earlier event (a whole number)",
    });
  }
  return value;
}

export function createEventStream(
  deps: Pick<HttpDeps, "db" | "bus" | "config" | "log">,
  options: EventStreamOptions = {},
): EventStream {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 3_000;
  const replayLimit = options.replayLimit ?? 1_000;
  const maxQueued = options.maxQueued ?? 1_000;
  const open = new Set<() => void>();
  let closed = false;
  const encoder = new TextEncoder();

  const app = new Hono();
  app.get("/api/events", apiAuth(deps.config.apiToken, "read"), function streamEvents(c) {
    if (closed) return c.json({ error: "the bridge is shutting down; reconnect in a moment" }, 503);
    const filter = parseEventFilter(c.req.query("kind"), c.req.query("alertname"));
    const lastEventId = parseLastEventId(c.req.header("last-event-id") ?? c.req.query("lastEventId"));
    const backlog = optionalInt(c.req.query("backlog"), "backlog", 0, 500) ?? 0;

    let finish = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let lastSent = lastEventId ?? 0;
        let ended = false;
        let allowance = maxQueued;
        const send = (text: string): void => {
          if (ended) return;
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            // The client went away between two frames; cancel() follows, finish() now.
            finish();
            return;
          }
          // desiredSize goes negative as frames pile up unread; past the bound the client is
          // cut off, reconnects with Last-Event-ID and catches up from the database instead.
          if ((controller.desiredSize ?? 0) < -allowance) {
            deps.log.warn(
              { queued: -(controller.desiredSize ?? 0) },
              "event stream client too slow; disconnecting it",
            );
            finish();
          }
        };
        const sendEvent = (event: AuditEvent): void => {
          if (event.id <= lastSent) return;
          lastSent = event.id;
          send(frame({ event: "audit", id: event.id, data: event }));
        };

        // Replay and subscribe in the same synchronous turn: better-sqlite3 reads block, so
        // no event can be published between the read and the subscription.
        let replay: AuditEvent[];
        let overflow = false;
        if (lastEventId !== undefined) {
          ({ events: replay, overflow } = missedEvents(deps, filter, lastEventId, replayLimit));
        } else {
          replay = backlogEvents(deps, filter, backlog);
        }
        const unsubscribe = deps.bus.subscribe((event) => {
          if (eventMatches(filter, event)) sendEvent(event);
        });
        const heartbeat = setInterval(() => {
          send(frame({ event: "heartbeat", data: { at: new Date().toISOString() } }));
        }, heartbeatMs);
        heartbeat.unref();

        finish = () => {
          if (ended) return;
          ended = true;
          clearInterval(heartbeat);
          unsubscribe();
          open.delete(finish);
          try {
            controller.close();
          } catch {
            // already closed or cancelled by the client
          }
        };
        open.add(finish);

        // The replay is queued at once; only what piles up beyond it counts as a slow reader.
        allowance += replay.length + 3;
        send(`retry: ${retryMs}\n\n`);
        if (overflow) {
          const newest = queryAudit(deps.db, { n: 1 })[0]?.id ?? lastSent;
          send(
            frame({
              event: "reset",
              data: { reason: `more than ${replayLimit} events were missed; reload the current state` },
            }),
          );
          lastSent = newest;
          replay = [];
        }
        send(frame({ event: "ready", data: { lastEventId: lastEventId ?? null, replayed: replay.length } }));
        for (const event of replay) sendEvent(event);
      },
      cancel() {
        finish();
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        // nginx and similar proxies buffer responses unless told otherwise.
        "x-accel-buffering": "no",
        // A stream's socket is never reused: closing it with the stream lets a shutting-down
        // server finish at once instead of waiting out the keep-alive timeout.
        connection: "close",
      },
    });
  });

  return {
    routes: app,
    clients: () => open.size,
    close() {
      closed = true;
      for (const finish of [...open]) finish();
    },
  };
}
