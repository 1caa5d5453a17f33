/**
 * @module
 * POST /webhook/github. A missing or bad signature → 401 and nothing changes; an event
 * the bridge does not use, or one about another repository → 202 and an audit line; a
 * body that is not declared as JSON → 415; a body over RUNBRIDGE_GITHUB_BODY_LIMIT → 413; a
 * handler failure → 500 so GitHub shows the delivery as failed and it can be redelivered.
 *
 * The body must be read whole before its signature can be checked, so until then it is
 * anyone's: its size is refused from the declared Content-Length before a byte is read
 * (chunked bodies are counted as they arrive), at most BODY_SLOTS bodies are read at once
 * (the next wait up to SLOT_WAIT_MS, then 503 with Retry-After), and one that has not
 * arrived within BODY_DEADLINE_MS is dropped with 408, so slow senders cannot hold the slots.
 */
import { type Context, Hono } from "hono";
import { foreignEventReason } from "../github/event-origin.js";
import { malformedEventReason } from "../github/event-shape.js";
import type { GitHubWebhookReceiver } from "../github/webhook-receiver.js";
import { appendAudit } from "../store/audit.js";
import { readLimitedText } from "./body-limit.js";
import type { HttpDeps } from "./deps.js";
import { requireJson } from "./json-content.js";
import { createSlots } from "./slots.js";

/** Unverified bodies read at once: memory for them is at most this × the body limit. */
export const BODY_SLOTS = 4;
/** How long a delivery waits for a slot; GitHub gives up on a delivery after 10 s. */
export const SLOT_WAIT_MS = 5_000;
/** The most a body may take to arrive once its slot is taken (GitHub's delivery timeout). */
export const BODY_DEADLINE_MS = 10_000;

export interface GitHubRouteOptions {
  bodySlots?: number;
  slotWaitMs?: number;
  bodyDeadlineMs?: number;
}

export function githubRoutes(
  deps: HttpDeps,
  receiver: GitHubWebhookReceiver | undefined,
  options: GitHubRouteOptions = {},
): Hono {
  const app = new Hono();
  const limit = deps.config.githubBodyLimitBytes;
  const slots = createSlots(options.bodySlots ?? BODY_SLOTS);
  const slotWaitMs = options.slotWaitMs ?? SLOT_WAIT_MS;
  const bodyDeadlineMs = options.bodyDeadlineMs ?? BODY_DEADLINE_MS;
  const tooLarge = (c: Context) =>
    c.json(
      {
        error: `payload larger than ${limit} bytes (RUNBRIDGE_GITHUB_BODY_LIMIT); raise it if GitHub sends events this large`,
      },
      413,
    );
  const auth = deps.config.github?.auth;
  const origin = {
    repository: deps.config.repository,
    installationId: auth?.kind === "app" ? auth.installationId : undefined,
  };
  if (!receiver) {
    app.post("/webhook/github", (c) =>
      c.json({ error: "GitHub webhooks are not configured: set GITHUB_WEBHOOK_SECRET on the bridge" }, 404),
    );
    return app;
  }
  app.post(
    "/webhook/github",
    // Everything that can be refused from the headers is refused before the body is read.
    async function checkGitHubHeaders(c, next) {
      if (!c.req.header("x-hub-signature-256"))
        return c.json({ error: "missing x-hub-signature-256: configure the webhook's secret" }, 401);
      if (!c.req.header("x-github-event")) return c.json({ error: "missing x-github-event header" }, 400);
      // Node's HTTP parser never delivers more than a declared length: refused unread.
      const declared = c.req.header("content-length");
      if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit) return tooLarge(c);
      return next();
    },
    requireJson("set the webhook's content type to application/json in its settings on GitHub"),
    async function receiveGitHubEvent(c) {
      const signature = c.req.header("x-hub-signature-256") ?? "";
      const name = c.req.header("x-github-event") ?? "";
      const id = c.req.header("x-github-delivery") ?? "";
      const release = await slots.acquire(slotWaitMs);
      if (!release) {
        deps.log.warn(
          { delivery: id, event: name, waiting: slots.waiting() },
          "GitHub webhook refused: too many unverified bodies being read",
        );
        c.header("Retry-After", "10");
        return c.json(
          { error: `busy: ${slots.held()} unverified webhook bodies are being read; redeliver in a moment` },
          503,
        );
      }
      let payload: string;
      try {
        const read = await readLimitedText(c.req.raw, limit, bodyDeadlineMs);
        if (!read.ok && read.problem === "too large") return tooLarge(c);
        if (!read.ok && read.problem === "not utf-8") {
          return c.json(
            { error: "the body is not valid UTF-8: GitHub sends its JSON payloads in UTF-8" },
            400,
          );
        }
        if (!read.ok) {
          deps.log.warn({ delivery: id, event: name }, "GitHub webhook body too slow; dropped");
          return c.json(
            { error: `the body did not arrive within ${bodyDeadlineMs / 1_000} s; redeliver it` },
            408,
          );
        }
        payload = read.text;
        if (payload === "") {
          return c.json({ error: "empty body: a GitHub webhook delivery carries a JSON payload" }, 400);
        }
        if (!(await receiver.verify(payload, signature))) {
          deps.log.warn({ delivery: id, event: name }, "GitHub webhook with a bad signature rejected");
          return c.json(
            { error: "signature does not match: the webhook secret differs from GITHUB_WEBHOOK_SECRET" },
            401,
          );
        }
      } finally {
        release();
      }
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
        const event = await appendAudit(deps.db, {
          at: deps.now(),
          kind: "github.ignored",
          message: `GitHub ${name} event ignored (delivery ${id})`,
        });
        deps.bus.publish([event]);
        return c.json({ ignored: name }, 202);
      }
      const malformed = malformedEventReason(name, body);
      if (malformed) {
        deps.log.warn(
          { delivery: id, event: name, reason: malformed },
          "GitHub event with an unexpected shape rejected",
        );
        return c.json({ error: `${name} event not handled: ${malformed}` }, 400);
      }
      const foreign = name === "ping" ? undefined : foreignEventReason(body, origin);
      if (foreign) {
        deps.log.warn(
          { delivery: id, event: name, reason: foreign },
          "GitHub event of another repository ignored",
        );
        const event = await appendAudit(deps.db, {
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
