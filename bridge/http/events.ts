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
 * reconnect point is kept), `event: ready` once subscribed, `event: reset` (with the newest
 * id, from which the stream continues) when more was
 * missed than can be replayed, or the Last-Event-ID is newer than any event (the database was
 * replaced): reload, the stream continues from now.
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
  /**
   * Bytes queued unread for one client before it is disconnected as too slow (it reconnects
   * and replays from the database). Counted in bytes, not frames: one large delivery can
   * publish thousands of events at once to a reader that keeps up.
   */
  maxQueuedBytes?: number;
}

export interface EventStream {
  routes: Hono;
  /** Connected clients, including those whose replay is still being read. */
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
export async function missedEvents(
  deps: Pick<HttpDeps, "db">,
  filter: EventFilter,
  afterId: number,
  limit: number,
): Promise<{ events: AuditEvent[]; overflow: boolean }> {
  const found: AuditEvent[] = [];
  let before: number | undefined;
  for (let scanned = 0; scanned < MAX_SCANNED; scanned += SCAN_PAGE) {
    const page = await queryAudit(deps.db, { ...sqlFilter(filter), n: SCAN_PAGE, before });
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
async function backlogEvents(
  deps: Pick<HttpDeps, "db">,
  filter: EventFilter,
  n: number,
): Promise<AuditEvent[]> {
  if (n === 0) return [];
  const found: AuditEvent[] = [];
  let before: number | undefined;
  for (let scanned = 0; scanned < MAX_SCANNED && found.length < n; scanned += SCAN_PAGE) {
    const page = await queryAudit(deps.db, { ...sqlFilter(filter), n: SCAN_PAGE, before });
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

/** One connected reader, as the fan-out sees it. */
interface Client {
  filter: EventFilter;
  /** Clients with equal filters share one encoded chunk per batch. */
  filterKey: string;
  /**
   * Ids this client got in its replay or backlog, so a live event it already has is not sent
   * twice. Ids are not published in order (on PostgreSQL transactions commit in any order, and
   * other bridges' events arrive later), so "newer than the last one sent" would drop events.
   */
  replayed: Set<number>;
  /** Live events held while the replay is read; sent after it, once the client is ready. */
  held: AuditEvent[] | null;
  send(bytes: Uint8Array): void;
}

function filterKey(filter: EventFilter): string {
  return JSON.stringify([
    [...filter.kinds.exact].sort(),
    [...filter.kinds.prefixes].sort(),
    [...filter.alertnames].sort(),
  ]);
}

interface Picked {
  /** The picked events' frames, concatenated. */
  chunk: Buffer;
}

/** The events of a batch that `wanted` accepts, as one chunk of their (already encoded) frames. */
function pick(batch: AuditEvent[], frames: Buffer[], wanted: (event: AuditEvent) => boolean): Picked | null {
  const parts: Buffer[] = [];
  batch.forEach((event, index) => {
    if (wanted(event)) parts.push(frames[index] as Buffer);
  });
  return parts.length === 0 ? null : { chunk: Buffer.concat(parts) };
}

/** How long a client's replayed ids are kept to skip live events it already has. */
const REPLAYED_KEPT_MS = 60_000;

/** Clients served per turn of the event loop while a batch fans out, so requests interleave. */
const CLIENTS_PER_TURN = 64;

export function createEventStream(
  deps: Pick<HttpDeps, "db" | "bus" | "config" | "log">,
  options: EventStreamOptions = {},
): EventStream {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 3_000;
  const replayLimit = options.replayLimit ?? 1_000;
  const maxQueuedBytes = options.maxQueuedBytes ?? 8 * 1_048_576;
  const open = new Set<() => void>();
  const clients = new Set<Client>();
  let closed = false;

  // Events are collected as they are published and fanned out after the publisher's turn
  // (setImmediate): the delivery that produced them is answered first, each event is
  // serialized once for all readers, and readers with the same filter share one chunk.
  let pending: AuditEvent[] = [];
  let flushing = false;
  const unsubscribe = deps.bus.subscribe((event) => {
    if (clients.size === 0) return;
    pending.push(event);
    if (!flushing) {
      flushing = true;
      setImmediate(() => void flush());
    }
  });

  async function flush(): Promise<void> {
    try {
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        const frames = batch.map((event) =>
          Buffer.from(frame({ event: "audit", id: event.id, data: event })),
        );
        const shared = new Map<string, Picked | null>();
        let served = 0;
        for (const client of [...clients]) {
          if (!clients.has(client)) continue;
          let group = shared.get(client.filterKey);
          if (group === undefined) {
            group = pick(batch, frames, (event) => eventMatches(client.filter, event));
            shared.set(client.filterKey, group);
          }
          if (client.held !== null) {
            // Still reading its replay: the events wait and are sent after it.
            for (const event of batch) if (eventMatches(client.filter, event)) client.held.push(event);
          } else {
            const part =
              group === null || client.replayed.size === 0
                ? group
                : pick(
                    batch,
                    frames,
                    (event) => !client.replayed.has(event.id) && eventMatches(client.filter, event),
                  );
            if (part !== null) client.send(part.chunk);
          }
          served += 1;
          if (served % CLIENTS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } catch (error) {
      deps.log.error({ err: error }, "event stream fan-out failed");
    } finally {
      flushing = false;
    }
  }

  const app = new Hono();
  app.get("/api/events", apiAuth(deps.config.apiToken, "read"), function streamEvents(c) {
    if (closed) return c.json({ error: "the bridge is shutting down; reconnect in a moment" }, 503);
    const filter = parseEventFilter(c.req.query("kind"), c.req.query("alertname"));
    const lastEventId = parseLastEventId(c.req.header("last-event-id") ?? c.req.query("lastEventId"));
    const backlog = optionalInt(c.req.query("backlog"), "backlog", 0, 500) ?? 0;

    let finish = () => {};
    const body = new ReadableStream<Uint8Array>(
      {
        async start(controller) {
          let ended = false;
          let allowance = maxQueuedBytes;
          const send = (bytes: Uint8Array): void => {
            if (ended) return;
            try {
              controller.enqueue(bytes);
            } catch {
              // The client went away between two frames; cancel() follows, finish() now.
              finish();
              return;
            }
            // desiredSize is minus the bytes queued unread (highWaterMark 0); past the bound
            // the client is cut off, reconnects with Last-Event-ID and catches up from the
            // database instead. Chunks are shared between clients, so the bound is on how
            // far one reader lags, not on copies.
            const queued = -(controller.desiredSize ?? 0);
            if (queued > allowance) {
              deps.log.warn({ queuedBytes: queued }, "event stream client too slow; disconnecting it");
              finish();
            }
          };
          const sendText = (text: string): void => send(Buffer.from(text));

          // Registered before the replay is read: what is published meanwhile is held and sent
          // after the replay, minus what the replay already had — nothing falls in between.
          const client: Client = {
            filter,
            filterKey: filterKey(filter),
            replayed: new Set(),
            held: [],
            send,
          };
          clients.add(client);
          let newest = 0;
          let replay: AuditEvent[] = [];
          let reset: string | undefined;
          try {
            newest = (await queryAudit(deps.db, { n: 1 }))[0]?.id ?? 0;
            if (lastEventId !== undefined && lastEventId > newest) {
              // An id this database never handed out (it was replaced or restored): replaying
              // "after it" would drop every new event, so the client starts from now instead.
              reset = `Last-Event-ID ${lastEventId} is newer than the newest event (${newest}): the bridge's database was replaced; reload the current state`;
            } else if (lastEventId !== undefined) {
              const missed = await missedEvents(deps, filter, lastEventId, replayLimit);
              replay = missed.events;
              if (missed.overflow) {
                reset = `more than ${replayLimit} events were missed; reload the current state`;
                replay = [];
              }
            } else {
              replay = await backlogEvents(deps, filter, backlog);
            }
          } catch (error) {
            // The database did not answer: this reader is not kept (the stream fails, the
            // browser reconnects).
            clients.delete(client);
            throw error;
          }
          const heartbeat = setInterval(() => {
            sendText(frame({ event: "heartbeat", data: { at: new Date().toISOString() } }));
          }, heartbeatMs);
          heartbeat.unref();

          finish = () => {
            if (ended) return;
            ended = true;
            clearInterval(heartbeat);
            clients.delete(client);
            open.delete(finish);
            try {
              controller.close();
            } catch {
              // already closed or cancelled by the client
            }
          };
          open.add(finish);

          // The replay is queued at once; only what piles up beyond it counts as a slow reader.
          const replayed = Buffer.from(
            replay.map((event) => frame({ event: "audit", id: event.id, data: event })).join(""),
          );
          allowance += replayed.byteLength + 1_024;
          sendText(`retry: ${retryMs}\n\n`);
          // With the newest id, so a reconnect (EventSource's own, or the console's) resumes from here.
          if (reset !== undefined) {
            sendText(frame({ event: "reset", id: newest, data: { reason: reset, lastEventId: newest } }));
          }
          sendText(
            frame({ event: "ready", data: { lastEventId: lastEventId ?? null, replayed: replay.length } }),
          );
          if (replayed.byteLength > 0) send(replayed);
          client.replayed = new Set(replay.map((event) => event.id));
          const held = (client.held ?? []).filter((event) => !client.replayed.has(event.id));
          client.held = null;
          if (held.length > 0) {
            sendText(held.map((event) => frame({ event: "audit", id: event.id, data: event })).join(""));
          }
          // Past this, an event still unseen is not one the replay had (a transaction stays open
          // for the statement timeout at most): the set is dropped and shared chunks go out whole.
          setTimeout(() => client.replayed.clear(), REPLAYED_KEPT_MS).unref();
        },
        cancel() {
          finish();
        },
      },
      // Measured in bytes with a high-water mark of 0: desiredSize is minus what is queued.
      new ByteLengthQueuingStrategy({ highWaterMark: 0 }),
    );
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
    // Counted from registration, before the replay is read: a reader still reading its replay
    // wants the events published meanwhile (console-feed.ts reads other bridges' only then).
    clients: () => clients.size,
    close() {
      closed = true;
      unsubscribe();
      for (const finish of [...open]) finish();
    },
  };
}
