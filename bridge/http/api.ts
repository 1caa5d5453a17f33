/**
 * @module
 * The read API (executions, audit, status, the runbook scorecard) and the operator writes (kill switch,
 * breaker reset). Reads are open unless RUNBRIDGE_API_TOKEN is set; writes always need it.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { openBreakers, resetBreaker } from "../executions/breaker-changes.js";
import { type ExecutionState, executionStates } from "../executions/states.js";
import { setKillSwitch } from "../operator/kill-switch.js";
import { runbookScorecard } from "../scorecard/runbook-scorecard.js";
import { queryAudit } from "../store/audit.js";
import { countExecutionsByState, findExecution, listExecutions } from "../store/executions.js";
import { outboxDepth } from "../store/outbox.js";
import { jobsOfExecution } from "../store/run-jobs.js";
import { isEnabled } from "../store/settings.js";
import type {
  BreakerResetAnswer,
  ExecutionDetailAnswer,
  ExecutionsAnswer,
  KillSwitchAnswer,
  RunbooksAnswer,
  StatusAnswer,
} from "./api-types.js";
import { apiAuth } from "./auth.js";
import type { HttpDeps } from "./deps.js";
import { requireJson } from "./json-content.js";
import { optionalInt, optionalSince } from "./query-params.js";

function parseStates(value: string | undefined): ExecutionState[] | undefined {
  if (!value) return undefined;
  const states = value.split(",").map((state) => state.trim());
  const unknown = states.filter((state) => !(executionStates as readonly string[]).includes(state));
  if (unknown.length > 0) {
    throw new HTTPException(400, {
      message: `unknown state ${unknown.join(", ")}; use ${executionStates.join(", ")}`,
    });
  }
  return states as ExecutionState[];
}

export function apiRoutes(deps: HttpDeps): Hono {
  const app = new Hono();
  const read = apiAuth(deps.config.apiToken, "read");
  const write = apiAuth(deps.config.apiToken, "write");
  const json = requireJson('e.g. curl -H "content-type: application/json" -d \'{"enabled": false}\'');

  app.get("/api/executions", read, async (c) => {
    const limit = optionalInt(c.req.query("limit"), "limit", 1, 500) ?? 50;
    const rows = await listExecutions(deps.db, {
      state: parseStates(c.req.query("state")),
      runbook: c.req.query("runbook"),
      alertname: c.req.query("alertname"),
      target: c.req.query("target"),
      since: optionalSince(c.req.query("since"), deps.now()),
      before: c.req.query("before"),
      limit,
    });
    const next = rows.length === limit ? rows[rows.length - 1]?.id : undefined;
    return c.json({ executions: rows, next: next ?? null } satisfies ExecutionsAnswer);
  });

  app.get("/api/executions/:id", read, async (c) => {
    const execution = await findExecution(deps.db, c.req.param("id"));
    if (!execution) return c.json({ error: `no execution ${c.req.param("id")}` }, 404);
    const events = (await queryAudit(deps.db, { executionId: execution.id, n: 1000 })).reverse();
    const attempts = events.filter((event) => event.kind.startsWith("dispatch."));
    const jobs = await jobsOfExecution(deps.db, execution.id);
    return c.json({ execution, events, dispatchAttempts: attempts, jobs } satisfies ExecutionDetailAnswer);
  });

  app.get("/api/runbooks", read, async (c) => {
    const loaded = deps.runbooks()?.runbooks.map((entry) => entry.runbook.name) ?? [];
    return c.json((await runbookScorecard(deps.db, { now: deps.now(), loaded })) satisfies RunbooksAnswer);
  });

  app.get("/api/audit", read, async (c) =>
    c.json({
      events: await queryAudit(deps.db, {
        n: optionalInt(c.req.query("n"), "n", 1, 1000) ?? 100,
        kind: c.req.query("kind"),
        alertname: c.req.query("alertname"),
        since: optionalSince(c.req.query("since"), deps.now()),
        contains: c.req.query("contains"),
      }),
    }),
  );

  app.get("/api/status", read, async (c) => {
    const runbooks = deps.runbooks();
    return c.json({
      enabled: await isEnabled(deps.db),
      dryRun: deps.config.dryRun,
      repository: deps.config.repository
        ? `${deps.config.repository.owner}/${deps.config.repository.repo}`
        : null,
      runbooks: runbooks
        ? {
            count: runbooks.runbooks.length,
            sourceHash: runbooks.sourceHash,
            commitSha: runbooks.commitSha ?? null,
            names: runbooks.runbooks.map((loaded) => loaded.runbook.name),
          }
        : null,
      runbookProblems: deps.runbookProblems(),
      openBreakers: await openBreakers(deps.db, deps.now()),
      outboxDepth: await outboxDepth(deps.db),
      executionsByState: await countExecutionsByState(deps.db),
      approvalsUnheld: deps.approvalsUnheld?.() ?? [],
    } satisfies StatusAnswer);
  });

  app.post("/api/kill-switch", write, json, async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as
      | { enabled?: unknown; reason?: unknown }
      | undefined;
    if (typeof body?.enabled !== "boolean") {
      return c.json(
        { error: 'send JSON {"enabled": false} to stop automation or {"enabled": true} to resume' },
        400,
      );
    }
    const reason = typeof body.reason === "string" ? body.reason.slice(0, 500) : "";
    await setKillSwitch(deps, {
      enabled: body.enabled,
      at: deps.now(),
      origin: `through the API${reason ? `: ${reason}` : ""}`,
    });
    return c.json({ enabled: body.enabled } satisfies KillSwitchAnswer);
  });

  app.post("/api/breakers/:key/reset", write, requireJson("the reset takes no body"), async (c) => {
    const key = c.req.param("key");
    const now = deps.now();
    const events = await resetBreaker(deps.db, key, "reset by an operator", now);
    if (!events) return c.json({ error: `no open breaker ${key}` }, 404);
    deps.bus.publish(events);
    return c.json({ key, state: "closed" } satisfies BreakerResetAnswer);
  });

  return app;
}
