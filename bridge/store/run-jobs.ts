/**
 * @module
 * Jobs of each execution's workflow run, as GitHub's workflow_job webhooks report them.
 */
import { asc, eq } from "drizzle-orm";
import type { Db } from "./database.js";
import { runJobs } from "./schema.js";
import { writing } from "./transaction.js";

export type RunJob = typeof runJobs.$inferSelect;

export async function findRunJob(db: Db, jobId: number): Promise<RunJob | undefined> {
  return await db.select().from(runJobs).where(eq(runJobs.jobId, jobId)).get();
}

export async function writeRunJob(db: Db, row: RunJob): Promise<void> {
  return await writing(db, async () => {
    await db.insert(runJobs).values(row).onConflictDoUpdate({ target: runJobs.jobId, set: row }).run();
  });
}

/** The latest known status of each job of an execution's run. */
export async function jobStatuses(db: Db, executionId: string): Promise<string[]> {
  const rows = await db
    .select({ status: runJobs.status })
    .from(runJobs)
    .where(eq(runJobs.executionId, executionId))
    .all();
  return rows.map((row) => row.status);
}

/** The jobs of an execution's run (its phases), in the order GitHub created them. */
export async function jobsOfExecution(db: Db, executionId: string): Promise<RunJob[]> {
  return await db
    .select()
    .from(runJobs)
    .where(eq(runJobs.executionId, executionId))
    .orderBy(asc(runJobs.jobId))
    .all();
}
