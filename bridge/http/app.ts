/**
 * @module
 * The bridge's HTTP app: every route group mounted, errors turned into JSON with a reason.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { alertmanagerRoutes } from "./alertmanager.js";
import { apiRoutes } from "./api.js";
import type { HttpDeps } from "./deps.js";
import { healthRoutes } from "./health.js";

export type { HttpDeps } from "./deps.js";

export function createApp(deps: HttpDeps, extra: Hono[] = []): Hono {
  const app = new Hono();
  app.route("/", healthRoutes(deps));
  app.route("/", alertmanagerRoutes(deps));
  app.route("/", apiRoutes(deps));
  for (const routes of extra) app.route("/", routes);
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
    deps.log.error({ err: error, path: c.req.path }, "request failed");
    return c.json({ error: "internal error; see the bridge's log" }, 500);
  });
  return app;
}
