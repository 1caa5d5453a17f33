/**
 * @module
 * Jobs of each execution's workflow run, as GitHub's workflow_job webhooks report them.
 */
import { asc, eq } from "drizzle-orm";
import type { Db } from "./database.js";
import { runJobs } from "./schema.js";

export type RunJob = typeof runJobs.$inferSelect;

export function findRunJob(db: Db, jobId: number): RunJob | undefined {
  return db.select().from(runJobs).where(eq(runJobs.jobId, jobId)).get();
}

export function writeRunJob(db: Db, row: RunJob): void {
  db.insert(runJobs).values(row).onConflictDoUpdate({ target: runJobs.jobId, set: row }).run();
}

/** The latest known status of each job of an execution's run. */
export function jobStatuses(db: Db, executionId: string): string[] {
  return db
    .select({ status: runJobs.status })
    .from(runJobs)
    .where(eq(runJobs.executionId, executionId))
    .all()
    .map((row) => row.status);
}

/** An execution's jobs in the order GitHub started them, for people (what a failed run tried). */
export function jobsOfExecution(
  db: Db,
  executionId: string,
): Pick<RunJob, "name" | "status" | "conclusion">[] {
  return db
    .select({ name: runJobs.name, status: runJobs.status, conclusion: runJobs.conclusion })
    .from(runJobs)
    .where(eq(runJobs.executionId, executionId))
    .orderBy(asc(runJobs.jobId))
    .all();
}
