/**
 * @module
 * Authentication middleware. Secrets are compared in constant time (hashing both sides
 * first makes the lengths equal, so not even the length leaks).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AlertmanagerAuth } from "../config.js";

export function safeEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The credential an Authorization header carries for a scheme, or undefined. */
function credential(header: string | undefined, scheme: "Bearer" | "Basic"): string | undefined {
  if (!header) return undefined;
  const [given, value] = header.split(/\s+/, 2);
  if (given?.toLowerCase() !== scheme.toLowerCase() || !value) return undefined;
  if (scheme === "Bearer") return value;
  try {
    return Buffer.from(value, "base64").toString("utf8");
  } catch {
    return undefined;
  }
}

/** Alertmanager's webhook: bearer token (http_config.authorization) or basic auth (user:password). */
export function alertmanagerAuth(auth: AlertmanagerAuth | undefined): MiddlewareHandler {
  return async function checkAlertmanagerAuth(c, next) {
    if (!auth) return next();
    const header = c.req.header("authorization");
    const given = credential(header, auth.kind === "basic" ? "Basic" : "Bearer");
    if (given === undefined || !safeEqual(given, auth.secret)) {
      const hint =
        auth.kind === "basic"
          ? "send basic auth matching RUNBRIDGE_ALERTMANAGER_TOKEN (http_config.basic_auth)"
          : "send Authorization: Bearer <RUNBRIDGE_ALERTMANAGER_TOKEN> (http_config.authorization.credentials)";
      c.header(
        "WWW-Authenticate",
        auth.kind === "basic" ? 'Basic realm="runbridge"' : 'Bearer realm="runbridge"',
      );
      return c.json({ error: `${header ? "wrong" : "missing"} credentials: ${hint}` }, 401);
    }
    return next();
  };
}

/** The read/write API: reads open without a token configured; writes always need it. */
export function apiAuth(token: string | undefined, access: "read" | "write"): MiddlewareHandler {
  return async function checkApiAuth(c, next) {
    if (!token) {
      if (access === "read") return next();
      return c.json(
        {
          error:
            "writes are disabled: set RUNBRIDGE_API_TOKEN on the bridge and send it as Authorization: Bearer <token>",
        },
        403,
      );
    }
    const given = credential(c.req.header("authorization"), "Bearer");
    if (given === undefined || !safeEqual(given, token)) {
      c.header("WWW-Authenticate", 'Bearer realm="runbridge-api"');
      return c.json(
        { error: "missing or wrong API token: send Authorization: Bearer <RUNBRIDGE_API_TOKEN>" },
        401,
      );
    }
    return next();
  };
}
