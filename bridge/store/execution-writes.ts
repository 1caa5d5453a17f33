/**
 * @module
 * The only statements that write execution rows. Only executions/ calls them (the import
 * check enforces it), one transition at a time; tests may use them to set a scene.
 */
import { eq } from "drizzle-orm";
import type { Db } from "./database.js";
import type { NewExecution } from "./executions.js";
import { hot } from "./hot-path.js";
import { executions } from "./schema.js";
import { toDriverRow } from "./table-rows.js";
import { writing } from "./transaction.js";

/** Inserts a decided execution (the hot path: a prepared statement, no query building). */
export async function insertExecution(db: Db, row: NewExecution): Promise<void> {
  return await writing(db, async () => {
    await hot(db).insertExecution.run(toDriverRow(executions, row));
  });
}

export async function updateExecution(db: Db, id: string, changes: Partial<NewExecution>): Promise<void> {
  return await writing(db, async () => {
    await db.update(executions).set(changes).where(eq(executions.id, id)).run();
  });
}
