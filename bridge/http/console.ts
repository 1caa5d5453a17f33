/**
 * @module
 * GET /: the operator console, a static page (HTML, a few ES modules, one stylesheet) that
 * reads the API the way a script would: /api/status, /api/executions, /api/runbooks, /api/events. No
 * framework and no build step; the files sit in `console/` next to this module (the
 * build copies them to the same path under dist/bridge/, see bridge-files.ts). The scripts are
 * type-checked against the API's types (console/tsconfig.json, http/api-types.ts).
 *
 * The page is served with a strict Content-Security-Policy (own scripts and styles only,
 * no inline code, no framing): alert content is untrusted, and the page renders it as
 * text only.
 *
 * @example
 *   app.route("/", consoleRoutes()); // in createApp
 */
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import { bridgeFile } from "../bridge-files.js";

const ASSETS = bridgeFile("http/console/");

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  // Small files, read once: revalidate so an upgrade shows at once.
  "cache-control": "no-cache",
};

interface Asset {
  body: string;
  type: string;
}

function load(file: string, type: string): Asset {
  return { body: readFileSync(new URL(file, ASSETS), "utf8"), type };
}

export function consoleRoutes(): Hono {
  const page = load("index.html", "text/html; charset=utf-8");
  const assets = new Map<string, Asset>([
    ["console.js", load("console.js", "text/javascript; charset=utf-8")],
    ["sse.js", load("sse.js", "text/javascript; charset=utf-8")],
    ["dom.js", load("dom.js", "text/javascript; charset=utf-8")],
    ["runbooks-view.js", load("runbooks-view.js", "text/javascript; charset=utf-8")],
    ["execution-view.js", load("execution-view.js", "text/javascript; charset=utf-8")],
    ["console.css", load("console.css", "text/css; charset=utf-8")],
    ["favicon.svg", load("favicon.svg", "image/svg+xml")],
  ]);
  const app = new Hono();
  app.get("/", function serveConsole(c) {
    return c.body(page.body, 200, { ...SECURITY_HEADERS, "content-type": page.type });
  });
  app.get("/console/:file", function serveConsoleAsset(c) {
    const asset = assets.get(c.req.param("file"));
    if (!asset) return c.json({ error: `no console file ${c.req.param("file")}` }, 404);
    return c.body(asset.body, 200, { ...SECURITY_HEADERS, "content-type": asset.type });
  });
  return app;
}
