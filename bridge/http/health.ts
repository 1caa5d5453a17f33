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
      // BEGIN IMMEDIATE takes the write lock: proves the file is writable, then rolls back.
      deps.db.run(sql`BEGIN IMMEDIATE`);
      deps.db.run(sql`ROLLBACK`);
    } catch (error) {
      problems.push(`database not writable: ${(error as Error).message}`);
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
