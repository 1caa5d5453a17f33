/**
 * @module
 * What the console's live event stream shows: every audit event, whichever bridge wrote it.
 * Alone on SQLite that is this bridge's audit bus. With several bridges on PostgreSQL, each
 * also tells the others the ids of the events it published (NOTIFY, store/channels.ts), and
 * each reads the events it is told about from the audit table — so a console connected to
 * any bridge sees the whole fleet's decisions. The metrics keep listening to the local bus:
 * their counters are this process's own.
 *
 * @example
 *   const consoleFeed = await createConsoleFeed({ db, bus, log, wanted: () => events.clients() > 0 });
 *   createEventStream({ ...deps, bus: consoleFeed.feed });
 *   // on shutdown
 *   await consoleFeed.close();
 */
import { randomBytes } from "node:crypto";
import { type AuditBus, createAuditBus } from "./audit-bus.js";
import type { Logger } from "./logger.js";
import { auditEventsByIds } from "./store/audit.js";
import { hasChannels, listenChannel, MAX_PAYLOAD_BYTES, notifyChannel } from "./store/channels.js";
import type { Db } from "./store/database.js";

export const AUDIT_CHANNEL = "runbridge_audit";

/** How long ids wait to be sent together to the other bridges. */
const SEND_EVERY_MS = 100;

export interface ConsoleFeed {
  feed: AuditBus;
  close(): Promise<void>;
}

/** `<origin>:<id>,<id>,…` messages of at most MAX_PAYLOAD_BYTES each. */
export function auditMessages(origin: string, ids: readonly number[]): string[] {
  const messages: string[] = [];
  let current = "";
  for (const id of ids) {
    const next = current === "" ? `${origin}:${id}` : `${current},${id}`;
    if (next.length > MAX_PAYLOAD_BYTES && current !== "") {
      messages.push(current);
      current = `${origin}:${id}`;
    } else {
      current = next;
    }
  }
  if (current !== "") messages.push(current);
  return messages;
}

/** The origin and ids of a message; undefined for anything else on the channel. */
export function parseAuditMessage(payload: string): { origin: string; ids: number[] } | undefined {
  const match = /^([0-9a-f]+):([0-9,]+)$/.exec(payload);
  if (!match) return undefined;
  const ids = (match[2] as string)
    .split(",")
    .map(Number)
    .filter((id) => Number.isSafeInteger(id) && id > 0);
  return { origin: match[1] as string, ids };
}

export async function createConsoleFeed(options: {
  db: Db;
  bus: AuditBus;
  log: Logger;
  /** Whether anyone reads the feed now: other bridges' events are read only then. */
  wanted?: () => boolean;
}): Promise<ConsoleFeed> {
  const { db, bus, log } = options;
  if (!hasChannels(db)) return { feed: bus, close: async () => {} };

  const origin = randomBytes(6).toString("hex");
  const feed = createAuditBus((error) => log.error({ err: error }, "console feed listener failed"));
  const wanted = options.wanted ?? (() => true);

  // Ids published here are gathered for SEND_EVERY_MS and sent in one message: every NOTIFY
  // wakes every bridge's listening connection, and in a storm one per decision made the
  // bridges spend their time telling each other (a console's reader does not see 100 ms).
  let outgoing: number[] = [];
  let sendTimer: NodeJS.Timeout | undefined;
  const unsubscribe = bus.subscribe((event) => {
    feed.publish([event]);
    if (outgoing.length === 0) sendTimer = setTimeout(sendOutgoing, SEND_EVERY_MS).unref();
    outgoing.push(event.id);
  });
  function sendOutgoing(): void {
    clearTimeout(sendTimer);
    const ids = outgoing;
    outgoing = [];
    for (const message of auditMessages(origin, ids)) {
      notifyChannel(db, AUDIT_CHANNEL, message).catch((error) =>
        // The events are stored; a console on another bridge misses them live and sees them on reload.
        log.warn({ err: error }, "cannot tell the other bridges about new audit events"),
      );
    }
  }

  // Reads of other bridges' events, one at a time and in arrival order.
  let reading: Promise<void> = Promise.resolve();
  const listener = await listenChannel(db, AUDIT_CHANNEL, (payload) => {
    const message = parseAuditMessage(payload);
    if (!message || message.origin === origin || message.ids.length === 0 || !wanted()) return;
    reading = reading.then(async () => {
      try {
        const events = await auditEventsByIds(db, message.ids);
        if (events.length > 0) feed.publish(events);
      } catch (error) {
        log.warn({ err: error }, "cannot read another bridge's audit events for the console");
      }
    });
  });

  return {
    feed,
    async close() {
      unsubscribe();
      // What this bridge published last still reaches the others' consoles.
      sendOutgoing();
      await listener?.stop();
      await reading;
    },
  };
}
