/**
 * @module
 * GET /healthz: the process answers. GET /readyz: it can do its job — the database
 * takes writes and a valid runbook set is loaded; otherwise 503 with the reason.
 */
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import type { HttpDeps } from "./deps.js";

export function healthRoutes(deps: HttpDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const problems: string[] = [];
    try {
      // BEGIN IMMEDIATE takes the write lock, but succeeds on a read-only connection too
      // (a write-protected file is opened read-only without an error): only a write
      // statement proves the file takes writes. It changes no row and is rolled back.
      deps.db.run(sql`BEGIN IMMEDIATE`);
      try {
        deps.db.run(sql`DELETE FROM settings WHERE 0`);
      } finally {
        deps.db.run(sql`ROLLBACK`);
      }
    } catch (error) {
      // drizzle wraps driver errors ("Failed to run the query …"); SQLite's own message says why.
      const cause = (error as { cause?: unknown }).cause ?? error;
      problems.push(`database not writable: ${(cause as Error).message}`);
    }
    const runbooks = deps.runbooks();
    if (!runbooks) {
      const detail = deps.runbookProblems().slice(0, 20);
      problems.push(`no valid runbook set loaded${detail.length ? `: ${detail.join("; ")}` : ""}`);
    }
    if (problems.length > 0) return c.json({ status: "not ready", problems }, 503);
    return c.json({ status: "ready", runbooks: runbooks?.runbooks.length, sourceHash: runbooks?.sourceHash });
  });
  return app;
}
