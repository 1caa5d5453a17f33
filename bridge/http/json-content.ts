/**
 * @module
 * Writes take JSON, declared as such. A web page can send any site a POST whose body is
 * `text/plain` (or a form) without asking first — the browser's "simple request" — but it
 * must ask the server (a CORS preflight, which the bridge never grants) before sending
 * `application/json`. Refusing every other declared type with 415 therefore keeps pages
 * in a browser from writing to the bridge. A request without a body and without a
 * Content-Type (a breaker reset) passes: there is nothing to misread.
 *
 * @example
 *   app.post("/api/kill-switch", requireJson("send the body as JSON"), handler);
 */
import type { MiddlewareHandler } from "hono";

/** `application/json`, with or without parameters (`; charset=utf-8`), in any letter case. */
export function isJsonType(contentType: string): boolean {
  const mediaType = contentType.split(";", 1)[0]?.trim().toLowerCase();
  return mediaType === "application/json";
}

function hasBody(contentLength: string | undefined, transferEncoding: string | undefined): boolean {
  if (transferEncoding !== undefined) return true;
  return contentLength !== undefined && contentLength.trim() !== "0";
}

/** 415 unless the body is declared as `application/json`; `hint` says how the sender fixes it. */
export function requireJson(hint: string): MiddlewareHandler {
  return async function checkJsonContentType(c, next) {
    const type = c.req.header("content-type");
    if (type === undefined) {
      if (!hasBody(c.req.header("content-length"), c.req.header("transfer-encoding"))) return next();
      return c.json(
        { error: `a body without Content-Type: send Content-Type: application/json; ${hint}` },
        415,
      );
    }
    if (!isJsonType(type)) {
      return c.json(
        { error: `Content-Type ${JSON.stringify(type)} is not accepted: send application/json; ${hint}` },
        415,
      );
    }
    return next();
  };
}
