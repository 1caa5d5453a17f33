/**
 * @module
 * Operator switches kept in the database so they survive restarts. The kill switch is
 * read on every decision (one primary-key lookup) so a second replica would see it too.
 */
import type { Db } from "./database.js";
import { hot } from "./hot-path.js";
import { settings } from "./schema.js";

const ENABLED = "enabled";

export function isEnabled(db: Db): boolean {
  const row = hot(db).enabled.get();
  return row ? row.value === "true" : true;
}

export function setEnabled(db: Db, enabled: boolean, now: number): void {
  db.insert(settings)
    .values({ key: ENABLED, value: String(enabled), updatedAt: now })
    .onConflictDoUpdate({ target: settings.key, set: { value: String(enabled), updatedAt: now } })
    .run();
}
