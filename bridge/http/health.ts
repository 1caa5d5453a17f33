/**
 * @module
 * GET /healthz: the process answers. GET /readyz: it can do its job — the database
 * takes writes and a valid runbook set is loaded; otherwise 503 with the reason.
 */
import { Hono } from "hono";
import { writableProblem } from "../store/database.js";
import type { HttpDeps } from "./deps.js";

export function healthRoutes(deps: HttpDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const problems: string[] = [];
    const notWritable = writableProblem(deps.db);
    if (notWritable) problems.push(`database not writable: ${notWritable}`);
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
