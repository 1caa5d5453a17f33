/**
 * @module
 * Messages between the bridges sharing one PostgreSQL database, over LISTEN/NOTIFY: the
 * console's events published by another bridge (console-feed.ts). A bridge alone on its
 * SQLite file has no one to tell, so there are no channels there.
 *
 * A notification is not stored: one sent while a bridge's listening connection was down is
 * lost to it. What travels here is therefore only ever a hint to read the database, which
 * holds everything.
 */
import type { Db } from "./database.js";
import { engineOf } from "./engine.js";

/** PostgreSQL's limit on a payload is 8000 bytes; the rest of a message goes in further ones. */
export const MAX_PAYLOAD_BYTES = 7_900;

export interface ChannelListener {
  stop(): Promise<void>;
}

/** Whether bridges on this store can message each other (PostgreSQL). */
export function hasChannels(db: Db): boolean {
  return engineOf(db).kind === "postgres";
}

export async function notifyChannel(db: Db, channel: string, payload: string): Promise<void> {
  const engine = engineOf(db);
  if (engine.kind !== "postgres") return;
  await engine.sql.notify(channel, payload);
}

/**
 * Calls `onMessage` for every notification on `channel` (its own ones too), and `onConnected`
 * each time the listening connection is (re)established — the moment to read what may have
 * been missed while it was down. Undefined on SQLite.
 */
export async function listenChannel(
  db: Db,
  channel: string,
  onMessage: (payload: string) => void,
  onConnected: () => void = () => {},
): Promise<ChannelListener | undefined> {
  const engine = engineOf(db);
  if (engine.kind !== "postgres") return undefined;
  const listening = await engine.sql.listen(channel, onMessage, onConnected);
  return { stop: () => listening.unlisten() };
}
