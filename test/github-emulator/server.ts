/**
 * @module The request pipeline: record → route → check (version, JSON, auth, schema) → fault →
 * handler → check the answer → send. Every step that finds a client mistake records a violation.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { defaultFaultBody, type FaultRule, takeFault } from "./faults.js";
import type { Operation, RouteMatch } from "./openapi.js";
import { rateLimitNumbers } from "./routes/app.js";
import {
  DOCS_URL,
  GitHubError,
  type RouteHandler,
  type RouteOptions,
  type RouteResult,
} from "./routes/context.js";
import type { Urls } from "./shapes.js";
import type { EmulatorState } from "./state.js";
import type { FieldError, Validator } from "./validate.js";

/** GitHub's default REST API version, used when a client sends no `X-GitHub-Api-Version`. */
export const DEFAULT_API_VERSION = "2022-11-28";

/** Request headers worth keeping: what tells a client's identity, auth and negotiation. */
const RECORDED_HEADERS = ["authorization", "accept", "user-agent", "content-type", "x-github-api-version"];

export interface RecordedRequest {
  method: string;
  /** The path without the query, as sent (still percent-encoded). */
  path: string;
  operationId: string | null;
  pathParams: Record<string, string>;
  query: Record<string, string>;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  headers: Record<string, string>;
  auth: { scheme: "token" | "bearer"; token: string } | null;
  time: Date;
  /** The status answered; unset while the answer is delayed or hanging. */
  status?: number;
  fault?: true;
}

export type ViolationKind =
  | "unknown-route"
  | "invalid-path-parameter"
  | "invalid-request"
  | "invalid-json"
  | "unsupported-api-version"
  | "authentication"
  | "unknown-query-parameter"
  | "documented-limit"
  | "invalid-response"
  | "emulator-error";

export interface Violation {
  kind: ViolationKind;
  method: string;
  path: string;
  operationId: string | null;
  message: string;
  errors?: FieldError[];
}

export interface PipelineDeps {
  matchRoute: (method: string, path: string) => RouteMatch | null;
  validator: Validator;
  handlers: Record<string, RouteHandler>;
  state: EmulatorState;
  options: RouteOptions & { requireAuth: boolean };
  now: () => Date;
  urls: () => Urls;
  supportedVersions: Set<string>;
  requests: RecordedRequest[];
  violations: Violation[];
  faults: FaultRule[];
  /** Timers of delayed answers, cleared on close. */
  timers: Set<NodeJS.Timeout>;
}

const JWT = /^[\w-]+\.[\w-]+\.[\w-]*$/;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function errorBody(status: number, message: string, errors?: FieldError[]) {
  return { message, ...(errors ? { errors } : {}), documentation_url: DOCS_URL, status: String(status) };
}

function parseAuth(header: string | undefined): RecordedRequest["auth"] {
  const match = /^(token|bearer)\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match?.[1] || !match[2]) return null;
  return { scheme: match[1].toLowerCase() as "token" | "bearer", token: match[2] };
}

/**
 * Operations GitHub answers without credentials: the rate limit, and a manifest conversion (its
 * one-time code is the credential).
 */
const OPEN_OPERATIONS = new Set(["rate-limit/get", "apps/create-from-manifest"]);

/** Auth rules: app endpoints want the app's JWT, everything else a token, except the open ones. */
function authProblem(operation: Operation, auth: RecordedRequest["auth"], header: string | undefined) {
  if (OPEN_OPERATIONS.has(operation.operationId)) return null;
  if (operation.path.startsWith("/app/")) {
    if (auth?.scheme === "bearer" && JWT.test(auth.token)) return null;
    return "A JSON web token could not be decoded";
  }
  if (auth) return null;
  return header
    ? `Bad credentials: unrecognised authorization scheme in "${header.split(" ")[0]}"`
    : "Requires authentication";
}

/** Builds the node:http request listener. */
export function createPipeline(deps: PipelineDeps) {
  return async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const method = (req.method ?? "GET").toUpperCase();
    const now = deps.now();
    const headers = Object.fromEntries(
      RECORDED_HEADERS.flatMap((name) => {
        const value = req.headers[name];
        return typeof value === "string" ? [[name, value]] : [];
      }),
    );
    const route = deps.matchRoute(method, url.pathname);
    const operation = route?.operation;
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      operationId: operation?.operationId ?? null,
      pathParams: route?.pathParams ?? {},
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      headers,
      auth: parseAuth(headers.authorization),
      time: now,
    };
    deps.requests.push(record);

    const violate = (kind: ViolationKind, message: string, errors?: FieldError[]) => {
      deps.violations.push({
        kind,
        method,
        path: url.pathname,
        operationId: record.operationId,
        message,
        ...(errors ? { errors } : {}),
      });
    };

    // Each check below may decide the answer; the first to do so wins, but all still record.
    let answer: RouteResult | null = null;
    const refuse = (kind: ViolationKind, status: number, message: string, errors?: FieldError[]) => {
      violate(kind, message, errors);
      answer ??= { status, body: errorBody(status, message, errors) };
    };

    const apiVersion = headers["x-github-api-version"] ?? DEFAULT_API_VERSION;
    if (!deps.supportedVersions.has(apiVersion)) {
      refuse("unsupported-api-version", 400, `API version '${apiVersion}' is not supported.`);
    }

    let body: unknown;
    let bodyState: "absent" | "json" | "unparsable" = "absent";
    const text = raw.toString("utf8");
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
        bodyState = "json";
      } catch {
        body = text;
        bodyState = "unparsable";
        refuse("invalid-json", 400, "Problems parsing JSON");
      }
    }
    record.body = body;

    let params: Record<string, unknown> = {};
    if (!operation || !route) {
      refuse("unknown-route", 404, "Not Found");
    } else {
      const authMessage = deps.options.requireAuth
        ? authProblem(operation, record.auth, headers.authorization)
        : null;
      if (authMessage) refuse("authentication", 401, authMessage);
      const check = deps.validator.checkRequest(operation, {
        pathParams: route.pathParams,
        query: record.query,
        body,
        bodyState,
      });
      params = check.params;
      if (check.pathErrors.length > 0) refuse("invalid-path-parameter", 404, "Not Found", check.pathErrors);
      if (check.errors.length > 0) refuse("invalid-request", 422, "Invalid request.", check.errors);
      // GitHub ignores unknown query parameters, so the answer stays normal; the mistake is still worth seeing.
      for (const name of check.unknownQuery) {
        violate("unknown-query-parameter", `${operation.operationId} has no query parameter "${name}"`);
      }
    }

    const fault = takeFault(deps.faults, {
      method,
      path: url.pathname,
      ...(operation ? { template: operation.path, operationId: operation.operationId } : {}),
    });
    if (fault) record.fault = true;
    if (fault?.hang) return; // The socket stays open until the client aborts or close() destroys it.
    // resetAndDestroy sends an RST: the client sees ECONNRESET, as when a load balancer drops it.
    if (fault?.reset && !fault.afterHandler) {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          deps.timers.delete(timer);
          resolve();
        }, fault.delayMs);
        deps.timers.add(timer);
      });
      if (res.destroyed) return;
    }

    const context = {
      state: deps.state,
      params,
      body,
      accept: req.headers.accept ?? "",
      apiVersion,
      urls: deps.urls(),
      options: deps.options,
      now,
      requestCount: deps.requests.length,
    };
    const faultAnswer = (rule: FaultRule, status: number): RouteResult => {
      if (typeof rule.body === "string") {
        return {
          status,
          raw: { contentType: "text/html; charset=utf-8", data: Buffer.from(rule.body) },
          ...(rule.headers ? { headers: rule.headers } : {}),
        };
      }
      return {
        status,
        body: rule.body ?? defaultFaultBody(status),
        ...(rule.headers ? { headers: rule.headers } : {}),
      };
    };

    if (fault?.status !== undefined && !fault.afterHandler) {
      answer = faultAnswer(fault, fault.status);
    } else if (!answer && operation) {
      answer = runHandler(deps, operation, context, violate);
      if (fault?.reset) {
        req.socket.resetAndDestroy();
        return;
      }
      if (fault?.status !== undefined) answer = faultAnswer(fault, fault.status);
      else if (answer.body !== undefined && !answer.raw) {
        const problems = deps.validator.checkResponse(operation, answer.status, answer.body);
        if (problems.length > 0)
          violate("invalid-response", `emulator answer breaks the spec: ${problems.join("; ")}`);
      }
    }
    send(
      res,
      answer ?? { status: 500, body: errorBody(500, "Server Error") },
      rateLimitNumbers(context),
      apiVersion,
    );
    record.status = answer?.status ?? 500;
  };
}

function runHandler(
  deps: PipelineDeps,
  operation: Operation,
  context: Parameters<RouteHandler>[0],
  violate: (kind: ViolationKind, message: string) => void,
): RouteResult {
  const handler = deps.handlers[operation.operationId];
  try {
    if (!handler) throw new Error(`no handler for ${operation.operationId}`);
    return handler(context);
  } catch (error) {
    if (error instanceof GitHubError) {
      if (error.options.violation) violate("documented-limit", error.message);
      return { status: error.status, body: errorBody(error.status, error.message, error.options.errors) };
    }
    violate("emulator-error", error instanceof Error ? (error.stack ?? error.message) : String(error));
    return { status: 500, body: errorBody(500, "Server Error") };
  }
}

function send(
  res: ServerResponse,
  answer: RouteResult,
  rate: ReturnType<typeof rateLimitNumbers>,
  apiVersion: string,
): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = {
    "x-github-api-version-selected": apiVersion,
    "x-github-request-id": `EMU:${process.pid}:${Date.now().toString(16)}`,
    "x-ratelimit-limit": String(rate.limit),
    "x-ratelimit-remaining": String(rate.remaining),
    "x-ratelimit-used": String(rate.used),
    "x-ratelimit-reset": String(rate.reset),
    "x-ratelimit-resource": "core",
    ...answer.headers,
  };
  let payload: Buffer | undefined;
  if (answer.raw) {
    headers["content-type"] = answer.raw.contentType;
    payload = answer.raw.data;
  } else if (answer.body !== undefined && answer.status !== 204) {
    headers["content-type"] = "application/json; charset=utf-8";
    payload = Buffer.from(JSON.stringify(answer.body));
  }
  if (payload) headers["content-length"] = String(payload.length);
  res.writeHead(answer.status, headers);
  res.end(payload);
}
