/**
 * @module
 * POST /webhook/alertmanager. Rejected requests (401, 415, 413, 400) write nothing. An
 * accepted delivery is decided and committed in one transaction; the answer is 200 only
 * after that commit, and 503 when the database cannot be written, so Alertmanager retries.
 */
import { Hono } from "hono";
import { normalizeWebhook } from "../alerts/normalize.js";
import { checkAlertmanagerWebhook } from "../alerts/validate.js";
import { decideWebhook } from "../decide/decide-webhook.js";
import { decisionLocks } from "../decide/decision-locks.js";
import { BUSY_TIMEOUT_MS, isBusyTimeout } from "../store/database.js";
import { alertmanagerAuth } from "./auth.js";
import { limitBody } from "./body-limit.js";
import type { HttpDeps } from "./deps.js";
import { requireJson } from "./json-content.js";

export function alertmanagerRoutes(deps: HttpDeps): Hono {
  const app = new Hono();
  app.post(
    "/webhook/alertmanager",
    alertmanagerAuth(deps.config.alertmanagerAuth),
    requireJson("Alertmanager's webhook_configs send it; so must anything else posting here"),
    limitBody(deps.config.bodyLimitBytes, (c) =>
      c.json({ error: `body larger than ${deps.config.bodyLimitBytes} bytes (RUNBRIDGE_BODY_LIMIT)` }, 413),
    ),
    async function receiveAlerts(c) {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return c.json({ error: "body is not JSON: expected an Alertmanager webhook (version 4)" }, 400);
      }
      const check = checkAlertmanagerWebhook(body);
      if (!check.ok) return c.json({ error: check.error }, 400);

      const runbooks = deps.runbooks();
      if (!runbooks) {
        c.header("Retry-After", "10");
        return c.json({ error: "no valid runbook set is loaded yet; see /readyz" }, 503);
      }
      const alerts = normalizeWebhook(check.webhook);
      let decision: Awaited<ReturnType<typeof decideWebhook>>;
      const groupResolved = check.webhook.status === "resolved";
      const decide = () =>
        decideWebhook(
          {
            db: deps.db,
            runbooks,
            dryRun: deps.config.dryRun,
            storm: deps.config.storm,
            staleAfterMs: deps.config.staleAfterMs,
            now: deps.now(),
            externalURL: check.webhook.externalURL,
          },
          alerts,
          groupResolved,
        );
      // What the delivery's decisions read: a batch keeps deliveries that read the same apart.
      const locks = () => decisionLocks(alerts, runbooks, { dryRun: deps.config.dryRun, groupResolved });
      try {
        decision = deps.commits ? await deps.commits.run(decide, locks) : await decide();
        deps.storage?.succeeded();
      } catch (error) {
        const storageError = deps.storage?.failed(error, deps.now()) ?? false;
        const locked = !storageError && isBusyTimeout(error);
        deps.log.error(
          { err: error, alerts: alerts.length },
          storageError
            ? "cannot record alerts: the database cannot take writes (disk full or I/O error); answering 503 so Alertmanager retries"
            : locked
              ? `cannot record alerts: another process held the database's write lock for ${BUSY_TIMEOUT_MS / 1000} s (a sqlite3 shell or a backup tool writing?); answering 503 so Alertmanager retries`
              : "cannot record alerts; answering 503 so Alertmanager retries",
        );
        c.header("Retry-After", "5");
        return c.json(
          {
            error: storageError
              ? `cannot record the alerts: the database cannot take writes (${(error as { code?: string }).code}); free disk space, then Alertmanager's retry succeeds`
              : locked
                ? "cannot record the alerts right now: the database is locked by another process; retry"
                : "cannot record the alerts right now (database unavailable); retry",
          },
          503,
        );
      }
      deps.bus.publish(decision.events);
      deps.worker?.wake();
      if (decision.cancelRequested) deps.onCancelRequested?.();
      deps.log.debug(
        { alerts: alerts.length, executions: decision.executions.map((e) => `${e.id ?? "-"}:${e.state}`) },
        "alertmanager delivery decided",
      );
      return c.json({ executions: decision.executions });
    },
  );
  return app;
}
