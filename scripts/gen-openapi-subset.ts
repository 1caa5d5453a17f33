/**
 * @module Extracts the GitHub REST operations Runbridge uses, plus every component they `$ref`,
 * from `@octokit/openapi` into `test/github-emulator/openapi-subset.json`.
 *
 * The full description is 13 MB; the emulator and its tests only need a few operations, and a
 * checked-in subset makes every spec change show up as a reviewable diff.
 *
 * @example
 *   npx tsx scripts/gen-openapi-subset.ts          # rewrite the subset
 *   npx tsx scripts/gen-openapi-subset.ts --check  # exit 1 when the checked-in file is stale
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Operation ids the bridge, the Action and their tests call, in the order they appear in the flow. */
export const OPERATION_IDS = [
  "actions/create-workflow-dispatch",
  "repos/create-dispatch-event",
  "actions/list-workflow-runs-for-repo",
  "actions/list-workflow-runs",
  "actions/get-workflow-run",
  "actions/cancel-workflow-run",
  "actions/list-jobs-for-workflow-run",
  "actions/review-custom-gates-for-run",
  // The bridge's failure notice reads the diagnostics job's summary (an annotation) and artifact.
  "actions/list-workflow-run-artifacts",
  "checks/list-annotations",
  "repos/get-content",
  "repos/get-commit",
  "git/get-ref",
  "git/get-tag",
  // The release workflow tags vX.Y.Z and moves vX (scripts/release-tags.mjs).
  "git/create-ref",
  "git/update-ref",
  "issues/create",
  "issues/create-comment",
  "issues/list-for-repo",
  "issues/get",
  "issues/update",
  "repos/get-environment",
  "teams/get-membership-for-user-in-org",
  "teams/get-by-name",
  "teams/check-permissions-for-repo-in-org",
  "users/get-by-username",
  "repos/get-collaborator-permission-level",
  "rate-limit/get",
  "apps/create-installation-access-token",
  "apps/create-from-manifest",
] as const;

const SOURCE_FILE = "generated/api.github.com.json";
const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SUBSET_PATH = join(ROOT, "test/github-emulator/openapi-subset.json");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Reads the installed `@octokit/openapi` description and its package version. */
export function loadFullSpec(): { spec: JsonObject; version: string } {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve("@octokit/openapi/package.json"));
  const version = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string })
    .version;
  const spec = JSON.parse(readFileSync(join(packageDir, SOURCE_FILE), "utf8")) as JsonObject;
  return { spec, version };
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every local `$ref` ("#/components/…") found anywhere inside `value`. */
function collectRefs(value: Json, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, found);
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === "$ref" && typeof child === "string") found.add(child);
      else collectRefs(child, found);
    }
  }
}

function resolvePointer(spec: JsonObject, ref: string): Json {
  if (!ref.startsWith("#/")) throw new Error(`Only local $refs are supported, got "${ref}"`);
  let node: Json = spec;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isObject(node) || !(key in node)) throw new Error(`Unresolvable $ref "${ref}" (missing "${key}")`);
    node = node[key] as Json;
  }
  return node;
}

/**
 * Builds the subset: the named operations (only those methods of each path) and the transitive
 * closure of the components they reference, in the source's order so regeneration is stable.
 *
 * @param spec the full api.github.com description
 * @param version `@octokit/openapi`'s version, recorded in `x-source`
 * @returns the subset document
 */
export function buildSubset(
  spec: JsonObject,
  version: string,
  operationIds: readonly string[] = OPERATION_IDS,
) {
  const wanted = new Set(operationIds);
  const paths: JsonObject = {};
  const paths_ = spec.paths;
  if (!isObject(paths_)) throw new Error("The OpenAPI description has no paths object");
  for (const [path, item] of Object.entries(paths_)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isObject(operation) || typeof operation.operationId !== "string") continue;
      if (!wanted.has(operation.operationId)) continue;
      wanted.delete(operation.operationId);
      const target = (paths[path] ?? {}) as JsonObject;
      paths[path] = target;
      // Path-level parameters apply to every operation on the path, so they travel with it.
      if (item.parameters !== undefined) target.parameters = item.parameters;
      target[method] = operation;
    }
  }
  if (wanted.size > 0) {
    throw new Error(
      `Operations not found in @octokit/openapi ${version}: ${[...wanted].join(", ")}. ` +
        "Check the operationId spelling or pin an @octokit/openapi version that has them.",
    );
  }

  const refs = new Set<string>();
  collectRefs(paths, refs);
  const pending = [...refs];
  while (pending.length > 0) {
    const ref = pending.pop() as string;
    const before = refs.size;
    collectRefs(resolvePointer(spec, ref), refs);
    if (refs.size > before) pending.push(...[...refs].slice(before));
  }

  const components: Record<string, JsonObject> = {};
  const sourceComponents = spec.components;
  if (!isObject(sourceComponents)) throw new Error("The OpenAPI description has no components object");
  for (const [section, entries] of Object.entries(sourceComponents)) {
    if (!isObject(entries)) continue;
    for (const [name, value] of Object.entries(entries)) {
      const ref = `#/components/${section}/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (!refs.has(ref)) continue;
      components[section] = { ...components[section], [name]: value };
    }
  }

  return {
    openapi: spec.openapi,
    info: spec.info,
    "x-source": {
      package: "@octokit/openapi",
      version,
      file: SOURCE_FILE,
      generator: "scripts/gen-openapi-subset.ts",
      operationIds: [...operationIds],
    },
    servers: spec.servers,
    paths,
    components,
  };
}

/** The subset serialized exactly as it is checked in. */
export function renderSubset(): string {
  const { spec, version } = loadFullSpec();
  return `${JSON.stringify(buildSubset(spec, version), null, 2)}\n`;
}

function main(): void {
  const text = renderSubset();
  if (process.argv.includes("--check")) {
    const current = readFileSync(SUBSET_PATH, "utf8");
    if (current !== text) {
      console.error(`${SUBSET_PATH} is stale. To resolve, run: npx tsx scripts/gen-openapi-subset.ts`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(SUBSET_PATH, text);
  console.log(`Wrote ${SUBSET_PATH} (${(text.length / 1024).toFixed(0)} KB)`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
