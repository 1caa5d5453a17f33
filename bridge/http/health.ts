/**
 * @module
 * GET /healthz: the process answers. GET /readyz: it can do its job — the database
 * takes writes (and, after a write failed for lack of space, a real write commits again)
 * and a valid runbook set is loaded; otherwise 503 with the reason.
 */
import { Hono } from "hono";
import { proveWritable, writableProblem } from "../store/storage-health.js";
import type { HttpDeps } from "./deps.js";

export function healthRoutes(deps: HttpDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const problems: string[] = [];
    const notWritable = await writableProblem(deps.db);
    if (notWritable) problems.push(`database not writable: ${notWritable}`);
    const storage = deps.storage?.problem();
    if (storage && !notWritable) {
      // Writes failed for lack of space (or I/O): only a committed write shows it is over.
      const still = await proveWritable(deps.db, deps.now());
      if (still === undefined) deps.storage?.succeeded();
      else
        problems.push(
          `database cannot take writes: ${storage.code} (${still}) since ${new Date(storage.since).toISOString()}, ${storage.failures} write(s) refused; free disk space — the bridge resumes by itself, and nothing it acknowledged is lost`,
        );
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
