/**
 * @module
 * Keeps other web pages out of the bridge. A bridge on a loopback address with no API token
 * is reachable from every browser on the machine, so two tricks must fail:
 *
 * - **A cross-origin write.** A page's fetch or form post carries its own `Origin`; anything
 *   but the bridge's own origin (or RUNBRIDGE_PUBLIC_URL's) is refused. Servers (Alertmanager,
 *   GitHub, curl) send no `Origin` and pass.
 * - **DNS rebinding.** A page on `evil.example` re-points its name at 127.0.0.1 and then reads
 *   the console and API as if same-origin; its requests still say `Host: evil.example`. On
 *   a loopback address only loopback names, HOST and RUNBRIDGE_PUBLIC_URL's host are served.
 *
 * The Host check applies to the console and the API (`site`); webhooks (`webhook`) are
 * checked by Origin alone, since a tunnel to a loopback bridge (e.g. for GitHub's webhooks)
 * may keep the public Host. Every refusal is a 403 naming what was wrong and what to set.
 *
 * @example
 *   app.use("/api/*", sameOrigin(config, "site"));
 *   app.use("/webhook/*", sameOrigin(config, "webhook"));
 */
import type { MiddlewareHandler } from "hono";
import { type Config, isLoopback } from "../config.js";

/** The hostname of a Host header (`[::1]:9009` → `::1`), or undefined when it is not one. */
function hostnameOf(host: string): string | undefined {
  try {
    const { hostname } = new URL(`http://${host}`);
    return hostname.replace(/^\[|\]$/g, "");
  } catch {
    return undefined;
  }
}

export function sameOrigin(
  config: Pick<Config, "host" | "publicUrl">,
  scope: "site" | "webhook",
): MiddlewareHandler {
  const loopback = isLoopback(config.host);
  const publicHost = config.publicUrl?.host.toLowerCase();
  const publicOrigin = config.publicUrl?.origin.toLowerCase();
  const servedName = (hostname: string) =>
    isLoopback(hostname) ||
    hostname === config.host.toLowerCase() ||
    (config.publicUrl !== undefined && hostname === config.publicUrl.hostname.replace(/^\[|\]$/g, ""));
  const hint =
    "open the console at the bridge's own address, or set RUNBRIDGE_PUBLIC_URL to the URL it is reached at";

  return async function checkSameOrigin(c, next) {
    const host = c.req.header("host")?.toLowerCase();
    // Without a Host header (in-process calls, HTTP/1.0) no browser is involved.
    const hostname = host === undefined ? undefined : hostnameOf(host);
    if (host !== undefined && hostname === undefined) {
      return c.json({ error: `Host ${JSON.stringify(host)} is not a host name` }, 400);
    }
    const servedHost = hostname === undefined || !loopback || servedName(hostname);
    if (scope === "site" && !servedHost) {
      return c.json(
        {
          error: `Host ${JSON.stringify(host)} is not this bridge's: on ${config.host} it answers only to loopback names (a page that re-points its own name here is refused); ${hint}`,
        },
        403,
      );
    }
    const origin = c.req.header("origin");
    if (origin === undefined) return next();
    const lowered = origin.toLowerCase();
    if (publicOrigin !== undefined && lowered === publicOrigin) return next();
    let originHost: string | undefined;
    try {
      originHost = new URL(lowered).host;
    } catch {
      // "null" (a sandboxed frame, a file) or garbage: not the bridge's origin.
    }
    const own = originHost !== undefined && (originHost === host || originHost === publicHost);
    if (own && servedHost) return next();
    return c.json(
      {
        error: `requests from the web page at ${JSON.stringify(origin)} are refused: only the bridge's own console may call it from a browser; ${hint}`,
      },
      403,
    );
  };
}
