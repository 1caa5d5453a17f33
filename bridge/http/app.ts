/**
 * @module
 * The bridge's HTTP app: every route group mounted here and only here, errors turned into
 * JSON with a reason. The parts with a life of their own (the GitHub webhook receiver, the
 * metrics registry, the live event stream) are built by the composition root and passed in;
 * without one, its routes answer with what to configure (GitHub) or are not served.
 *
 * @example
 *   const app = createApp(deps, { githubReceiver, metrics, events });
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { GitHubWebhookReceiver } from "../github/webhook-receiver.js";
import type { BridgeMetrics } from "../metrics/bridge-metrics.js";
import { alertmanagerRoutes } from "./alertmanager.js";
import { apiRoutes } from "./api.js";
import { consoleRoutes } from "./console.js";
import type { HttpDeps } from "./deps.js";
import type { EventStream } from "./events.js";
import { githubRoutes } from "./github.js";
import { healthRoutes } from "./health.js";
import { metricsRoutes } from "./metrics.js";
import { sameOrigin } from "./same-origin.js";
import { silenceRoutes } from "./silences.js";

export type { HttpDeps } from "./deps.js";

export interface AppParts {
  /** Verifies and handles POST /webhook/github; absent, the route answers 404 naming GITHUB_WEBHOOK_SECRET. */
  githubReceiver?: GitHubWebhookReceiver;
  /** Serves GET /metrics (with config.metricsToken); absent, /metrics is not served. */
  metrics?: Pick<BridgeMetrics, "render" | "contentType">;
  /** Serves GET /api/events; absent, the live feed is not served. */
  events?: Pick<EventStream, "routes">;
}

export function createApp(deps: HttpDeps, parts: AppParts = {}): Hono {
  const app = new Hono();
  // Before any route: pages in a browser may neither write nor read through a rebound name.
  const site = sameOrigin(deps.config, "site");
  app.use("/", site);
  app.use("/console/*", site);
  app.use("/api/*", site);
  app.use("/webhook/*", sameOrigin(deps.config, "webhook"));
  app.route("/", healthRoutes(deps));
  app.route("/", alertmanagerRoutes(deps));
  app.route("/", apiRoutes(deps));
  app.route("/", githubRoutes(deps, parts.githubReceiver));
  app.route("/", silenceRoutes(deps, { alertmanagerUrls: deps.config.alertmanagerUrls }));
  if (parts.metrics) app.route("/", metricsRoutes(parts.metrics, { token: deps.config.metricsToken }));
  if (parts.events) app.route("/", parts.events.routes);
  app.route("/", consoleRoutes());
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
    deps.log.error({ err: error, path: c.req.path }, "request failed");
    return c.json({ error: "internal error; see the bridge's log" }, 500);
  });
  return app;
}
