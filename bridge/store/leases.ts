/**
 * @module
 * Named leases: which bridge does the work that must happen once however many share the
 * database (see `leases` in schema.ts). Taking and renewing are one statement: the row is
 * written only when it is free, expired, or already this holder's, and RETURNING says whether
 * it was.
 */
import { eq, lte, or, sql } from "drizzle-orm";
import type { Db } from "./database.js";
import { leases } from "./schema.js";
import { writing } from "./transaction.js";

/** Takes or renews lease `name` for `holder` until `until`; whether `holder` holds it now. */
export async function holdLease(
  db: Db,
  name: string,
  holder: string,
  now: number,
  until: number,
): Promise<boolean> {
  return await writing(db, async () => {
    const taken = await db
      .insert(leases)
      .values({ name, holder, expiresAt: until })
      .onConflictDoUpdate({
        target: leases.name,
        set: { holder, expiresAt: until },
        setWhere: or(eq(leases.holder, sql`excluded.holder`), lte(leases.expiresAt, now)),
      })
      .returning({ holder: leases.holder })
      .all();
    return taken.length === 1;
  });
}

/** Gives lease `name` up at once, if `holder` has it (a bridge stopping): another takes it without waiting. */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  return await writing(db, async () => {
    await db.delete(leases).where(sql`${leases.name} = ${name} AND ${leases.holder} = ${holder}`).run();
  });
}

export async function leaseHolder(
  db: Db,
  name: string,
): Promise<{ holder: string; expiresAt: number } | undefined> {
  return await db
    .select({ holder: leases.holder, expiresAt: leases.expiresAt })
    .from(leases)
    .where(eq(leases.name, name))
    .get();
}
