/**
 * @module
 * GET /metrics: the Prometheus text exposition. Open by default, like most exporters;
 * with a metrics token configured (RUNBRIDGE_METRICS_TOKEN) the scraper must send it as
 * a bearer token (`authorization: { credentials: … }` in the scrape config).
 *
 * @example
 *   app.route("/", metricsRoutes(metrics, { token: config.metricsToken })); // in createApp
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { BridgeMetrics } from "../metrics/bridge-metrics.js";
import { safeEqual } from "./auth.js";

export interface MetricsRouteOptions {
  /** Bearer token the scraper must send; unset = open. */
  token?: string;
}

function metricsAuth(token: string | undefined): MiddlewareHandler {
  return async function checkMetricsAuth(c, next) {
    if (!token) return next();
    const [scheme, given] = (c.req.header("authorization") ?? "").split(/\s+/, 2);
    if (scheme?.toLowerCase() !== "bearer" || !given || !safeEqual(given, token)) {
      c.header("WWW-Authenticate", 'Bearer realm="runbridge-metrics"');
      return c.json(
        {
          error:
            "missing or wrong metrics token: scrape with authorization: { credentials: <RUNBRIDGE_METRICS_TOKEN> }",
        },
        401,
      );
    }
    return next();
  };
}

export function metricsRoutes(
  metrics: Pick<BridgeMetrics, "render" | "contentType">,
  options: MetricsRouteOptions = {},
): Hono {
  const app = new Hono();
  app.get("/metrics", metricsAuth(options.token), async function exposeMetrics(c) {
    const body = await metrics.render();
    return c.body(body, 200, { "content-type": metrics.contentType, "cache-control": "no-store" });
  });
  return app;
}
