/**
 * @module
 * Operator switches kept in the database so they survive restarts. The kill switch is
 * read on every decision (one primary-key lookup) so a second replica would see it too.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "./database.js";
import { hot } from "./hot-path.js";
import { settings } from "./schema.js";
import { writing } from "./transaction.js";

const ENABLED = "enabled";

export async function isEnabled(db: Db): Promise<boolean> {
  const row = await hot(db).enabled.get();
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

/**
 * The commit of the Git runbook source that every bridge on this database follows: written
 * by the bridge that loaded a pushed commit (or found a newer head at start), read by the
 * others, so a push reaching one bridge reloads them all (runbooks/shared-commit.ts).
 */
const RUNBOOK_COMMIT = "runbooks.commit";

export async function sharedRunbookCommit(db: Db): Promise<string | undefined> {
  const row = await db
    .select({ value: settings.value })
    .from(settings)
    .where(eq(settings.key, RUNBOOK_COMMIT))
    .get();
  return row?.value;
}

/**
 * Records `sha` as the shared runbook commit. With `expected`, only when the recorded commit
 * is still that one (none: `null`), so a bridge whose load of an older head was slow cannot
 * overwrite a push recorded meanwhile; whether it was written.
 */
export async function recordSharedRunbookCommit(
  db: Db,
  sha: string,
  now: number,
  expected?: string | null,
): Promise<boolean> {
  return await writing(db, async () => {
    if (expected === undefined) {
      await db
        .insert(settings)
        .values({ key: RUNBOOK_COMMIT, value: sha, updatedAt: now })
        .onConflictDoUpdate({ target: settings.key, set: { value: sha, updatedAt: now } })
        .run();
      return true;
    }
    if (expected === null) {
      const inserted = await db
        .insert(settings)
        .values({ key: RUNBOOK_COMMIT, value: sha, updatedAt: now })
        .onConflictDoNothing()
        .returning({ key: settings.key })
        .all();
      return inserted.length === 1;
    }
    const updated = await db
      .update(settings)
      .set({ value: sha, updatedAt: now })
      .where(and(eq(settings.key, RUNBOOK_COMMIT), eq(settings.value, expected)))
      .returning({ key: settings.key })
      .all();
    return updated.length === 1;
  });
}
