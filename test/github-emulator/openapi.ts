/**
 * @module Loads the checked-in OpenAPI subset and finds the operation a request is for.
 *
 * Routing comes from the spec itself, so a path or method the bridge gets wrong is a 404 here
 * exactly as it would be on api.github.com.
 */
import { readFileSync } from "node:fs";

export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonSchema;
  "x-multi-segment"?: boolean;
  /** JSON pointer of this parameter's schema, so validators can `$ref` into the document. */
  schemaPointer: string;
}

export interface Operation {
  operationId: string;
  method: string;
  /** The path template as written in the spec, e.g. `/repos/{owner}/{repo}/dispatches`. */
  path: string;
  /** JSON pointer of the operation inside the spec, for `$ref`-based validators. */
  pointer: string;
  parameters: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: JsonSchema }> }>;
  breakingChanges: { version: string; changeset: string }[];
}

export interface OpenApiDocument {
  openapi: string;
  "x-source": { package: string; version: string; file: string };
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
}

export interface RouteMatch {
  operation: Operation;
  pathParams: Record<string, string>;
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

export const SUBSET_URL = new URL("./openapi-subset.json", import.meta.url);

/** Reads `openapi-subset.json` (written by `scripts/gen-openapi-subset.ts`). */
export function loadSubset(): OpenApiDocument {
  return JSON.parse(readFileSync(SUBSET_URL, "utf8")) as OpenApiDocument;
}

/** Escapes a key for use inside a JSON pointer (RFC 6901). */
export function pointerEscape(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Follows a local `$ref` ("#/components/…") until it reaches a non-reference node. */
export function deref<T>(doc: OpenApiDocument, node: T | { $ref: string }): T {
  let current: unknown = node;
  while (current && typeof current === "object" && "$ref" in current) {
    const ref = (current as { $ref: string }).$ref;
    current = ref
      .slice(2)
      .split("/")
      .reduce<unknown>(
        (parent, raw) => (parent as Record<string, unknown>)[raw.replaceAll("~1", "/").replaceAll("~0", "~")],
        doc,
      );
    if (current === undefined) throw new Error(`Unresolvable $ref "${ref}" in the OpenAPI subset`);
  }
  return current as T;
}

/** Every operation in the document with its parameters resolved. */
export function listOperations(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const itemPointer = `#/paths/${pointerEscape(path)}`;
    const shared = resolveParameters(doc, item.parameters, `${itemPointer}/parameters`);
    for (const method of METHODS) {
      const raw = item[method] as Record<string, unknown> | undefined;
      if (!raw) continue;
      const own = resolveParameters(doc, raw.parameters, `${itemPointer}/${method}/parameters`);
      operations.push({
        operationId: raw.operationId as string,
        method: method.toUpperCase(),
        path,
        pointer: `${itemPointer}/${method}`,
        parameters: [...shared, ...own],
        requestBody: raw.requestBody as Operation["requestBody"],
        responses: raw.responses as Operation["responses"],
        breakingChanges: (raw["x-github-breaking-changes"] as Operation["breakingChanges"] | undefined) ?? [],
      });
    }
  }
  return operations;
}

function resolveParameters(doc: OpenApiDocument, raw: unknown, pointer: string): Parameter[] {
  const list = (raw as ({ $ref: string } | Omit<Parameter, "schemaPointer">)[] | undefined) ?? [];
  return list.map((entry, index) => {
    const base = "$ref" in entry ? entry.$ref : `${pointer}/${index}`;
    return { ...deref<Omit<Parameter, "schemaPointer">>(doc, entry), schemaPointer: `${base}/schema` };
  });
}

interface CompiledRoute {
  operation: Operation;
  regex: RegExp;
  names: string[];
  literalSegments: number;
}

/**
 * Builds a matcher from method + raw pathname to an operation.
 *
 * Parameters marked `x-multi-segment` (a file path, a git ref) may span slashes; Octokit sends
 * them percent-encoded (`a%2Fb`) while other clients send raw slashes, and GitHub takes both.
 */
export function createRouter(
  operations: Operation[],
): (method: string, pathname: string) => RouteMatch | null {
  const routes: CompiledRoute[] = operations.map((operation) => {
    const names: string[] = [];
    const multi = new Set(operation.parameters.filter((p) => p["x-multi-segment"]).map((p) => p.name));
    const source = operation.path.replace(/\{([^}]+)\}|([^{]+)/g, (_all, name: string, literal: string) => {
      if (literal !== undefined) return literal.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
      names.push(name);
      return multi.has(name) ? "(.*)" : "([^/]+)";
    });
    const literalSegments = operation.path.split("/").filter((s) => s && !s.startsWith("{")).length;
    return { operation, regex: new RegExp(`^${source}/?$`), names, literalSegments };
  });
  // Literal segments win over parameters, as in GitHub's router (`runs/{id}/jobs` before `{path}`).
  routes.sort((a, b) => b.literalSegments - a.literalSegments);

  return function matchRoute(method, pathname) {
    for (const route of routes) {
      if (route.operation.method !== method) continue;
      const match = route.regex.exec(pathname);
      if (!match) continue;
      const pathParams: Record<string, string> = {};
      route.names.forEach((name, index) => {
        pathParams[name] = safeDecode(match[index + 1] ?? "");
      });
      return { operation: route.operation, pathParams };
    }
    return null;
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
