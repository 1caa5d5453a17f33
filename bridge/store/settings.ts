/**
 * @module
 * Operator switches kept in the database so they survive restarts. The kill switch is
 * read on every decision (one primary-key lookup) so a second replica would see it too.
 */
import { eq } from "drizzle-orm";
import type { Db } from "./database.js";
import { hot } from "./hot-path.js";
import { settings } from "./schema.js";
import { writing } from "./transaction.js";

const ENABLED = "enabled";

export async function isEnabled(db: Db): Promise<boolean> {
  const statements = hot(db);
  const row = statements
    ? statements.enabled.get()
    : await db.select({ value: settings.value }).from(settings).where(eq(settings.key, ENABLED)).get();
  return row ? row.value === "true" : true;
}

export async function setEnabled(db: Db, enabled: boolean, now: number): Promise<void> {
  return await writing(db, async () => {
    await db
      .insert(settings)
      .values({ key: ENABLED, value: String(enabled), updatedAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value: String(enabled), updatedAt: now } })
      .run();
  });
}
