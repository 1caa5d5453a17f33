/**
 * @module
 * Operator switches kept in the database so they survive restarts. The kill switch is
 * read on every decision (one primary-key lookup) so a second replica would see it too.
 */
import type { Db } from "./database.js";
import { hot } from "./hot-path.js";
import { settings } from "./schema.js";
import { writing } from "./transaction.js";

const ENABLED = "enabled";

export async function isEnabled(db: Db): Promise<boolean> {
  const row = hot(db).enabled.get();
  return row ? row.value === "true" : true;
}

export async function setEnabled(db: Db, enabled: boolean, now: number): Promise<void> {
  return await writing(db, () => {
    db.insert(settings)
      .values({ key: ENABLED, value: String(enabled), updatedAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value: String(enabled), updatedAt: now } })
      .run();
  });
}
