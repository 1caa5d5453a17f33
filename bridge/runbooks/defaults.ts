/**
 * @module
 * Fills in the `default` values the schema declares, so code reading a runbook never
 * repeats a default of its own. Runs only on documents the schema already accepted.
 */
import { definitionValidator, resolveRef, runbookSchema } from "./schema.js";

type JsonSchema = Record<string, unknown>;
type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Returns a deep copy of `document` with every schema default applied. */
export function applyDefaults<T>(document: T): T {
  const copy = structuredClone(document);
  fill(runbookSchema as JsonSchema, copy);
  return copy;
}

function fill(schema: JsonSchema, value: unknown): void {
  if (typeof schema.$ref === "string") {
    fill(resolveRef(schema.$ref), value);
  }
  for (const part of (schema.allOf as JsonSchema[] | undefined) ?? []) fill(part, value);
  // For a oneOf, only the branch the value actually satisfies may contribute defaults
  // (a run step must not gain an http step's defaults).
  const branches = schema.oneOf as JsonSchema[] | undefined;
  if (branches) {
    const chosen = branches.find(
      (branch) =>
        typeof branch.$ref === "string" &&
        definitionValidator(branch.$ref.replace(/^#\/\$defs\//, ""))(value),
    );
    if (chosen) fill(chosen, value);
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    for (const item of value) fill(schema.items, item);
    return;
  }
  if (!isObject(value)) return;
  const properties = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
  for (const [key, propertySchema] of Object.entries(properties)) {
    const own = propertySchema.default !== undefined ? propertySchema : undefined;
    const referenced = typeof propertySchema.$ref === "string" ? resolveRef(propertySchema.$ref) : undefined;
    const fallback = own?.default ?? referenced?.default;
    if (value[key] === undefined && fallback !== undefined) {
      value[key] = structuredClone(fallback);
    }
    if (value[key] !== undefined) fill(propertySchema, value[key]);
  }
  if (isObject(schema.additionalProperties)) {
    for (const [key, child] of Object.entries(value)) {
      if (!(key in properties)) fill(schema.additionalProperties, child);
    }
  }
}
