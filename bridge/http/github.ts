/**
 * @module
 * POST /webhook/github. A missing or bad signature → 401 and nothing changes; an event
 * the bridge does not use, or one about another repository → 202 and an audit line; a
 * body over the limit → 413; a
 * handler failure → 500 so GitHub shows the delivery as failed and it can be redelivered.
 */
import { Hono } from "hono";
import { foreignEventReason } from "../github/event-origin.js";
import type { GitHubWebhookReceiver } from "../github/webhook-receiver.js";
import { appendAudit } from "../store/audit.js";
import { limitBody } from "./body-limit.js";
import type { HttpDeps } from "./deps.js";

export function githubRoutes(deps: HttpDeps, receiver: GitHubWebhookReceiver | undefined): Hono {
  const app = new Hono();
  const auth = deps.config.github?.auth;
  const origin = {
    repository: deps.config.repository,
    installationId: auth?.kind === "app" ? auth.installationId : undefined,
  };
  app.post(
    "/webhook/github",
    // GitHub caps webhook payloads at 25 MB.
    limitBody(25 * 1_048_576, (c) =>
      c.json({ error: "payload larger than GitHub's 25 MB webhook limit" }, 413),
    ),
    async function receiveGitHubEvent(c) {
      if (!receiver) {
        return c.json(
          { error: "GitHub webhooks are not configured: set GITHUB_WEBHOOK_SECRET on the bridge" },
          404,
        );
      }
      const signature = c.req.header("x-hub-signature-256");
      const name = c.req.header("x-github-event");
      const id = c.req.header("x-github-delivery") ?? "";
      if (!signature)
        return c.json({ error: "missing x-hub-signature-256: configure the webhook's secret" }, 401);
      const payload = await c.req.text();
      if (!(await receiver.verify(payload, signature))) {
        deps.log.warn({ delivery: id, event: name }, "GitHub webhook with a bad signature rejected");
        return c.json(
          { error: "signature does not match: the webhook secret differs from GITHUB_WEBHOOK_SECRET" },
          401,
        );
      }
      if (!name) return c.json({ error: "missing x-github-event header" }, 400);
      let body: unknown;
      try {
        body = JSON.parse(payload);
      } catch {
        return c.json(
          { error: "payload is not JSON: set the webhook's content type to application/json" },
          400,
        );
      }
      if (!receiver.handles(name)) {
        const event = appendAudit(deps.db, {
          at: deps.now(),
          kind: "github.ignored",
          message: `GitHub ${name} event ignored (delivery ${id})`,
        });
        deps.bus.publish([event]);
        return c.json({ ignored: name }, 202);
      }
      const foreign = name === "ping" ? undefined : foreignEventReason(body, origin);
      if (foreign) {
        deps.log.warn(
          { delivery: id, event: name, reason: foreign },
          "GitHub event of another repository ignored",
        );
        const event = appendAudit(deps.db, {
          at: deps.now(),
          kind: "github.ignored",
          message: `GitHub ${name} event ignored: ${foreign} (delivery ${id})`,
        });
        deps.bus.publish([event]);
        return c.json({ ignored: name, reason: foreign }, 202);
      }
      try {
        await receiver.receive(id, name, body);
      } catch (error) {
        deps.log.error({ err: error, delivery: id, event: name }, "GitHub webhook handler failed");
        return c.json({ error: `handling ${name} failed: ${(error as Error).message}` }, 500);
      }
      return c.json({ ok: true });
    },
  );
  return app;
}
