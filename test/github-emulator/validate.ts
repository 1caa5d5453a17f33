/**
 * @module Checks requests (and the emulator's own responses) against the OpenAPI subset with ajv.
 *
 * The spec is OpenAPI 3.0: `nullable` is rewritten to a JSON Schema `null` branch, `x-*`,
 * `example` and `discriminator` are ignored (`strict: false`), and the two GitHub-specific
 * formats (`int64`, `timestamp`) are accepted as annotations.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import formatsModule from "ajv-formats";
import { deref, type JsonSchema, type OpenApiDocument, type Operation, type Parameter } from "./openapi.js";
import { parseDateQualifier } from "./search-dates.js";

// ajv-formats is CommonJS; under NodeNext the default import is `module.exports`, whose
// `default` property is the plugin.
const addFormats = formatsModule.default;

const DOC_ID = "github-openapi";

/** A GitHub-style validation error item (`components/schemas/validation-error`). */
export interface FieldError {
  resource: string;
  field: string;
  code: "invalid" | "missing_field";
  message: string;
}

export interface RequestParts {
  pathParams: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** "absent" when the request had no body; "unparsable" (already answered 400) skips body checks. */
  bodyState: "absent" | "json" | "unparsable";
}

export interface RequestCheck {
  /** Path parameters that do not fit their schema: GitHub's router answers 404 for these. */
  pathErrors: FieldError[];
  /** Query and body problems: GitHub answers 422. */
  errors: FieldError[];
  /** Query parameters the operation does not define; GitHub ignores them, so only worth a warning. */
  unknownQuery: string[];
  /** Path and query values converted to the types their schemas ask for. */
  params: Record<string, unknown>;
}

/** Parameters written in GitHub's search syntax rather than the `format` the spec gives them. */
const SEARCH_SYNTAX_PARAMETERS = new Set(["created"]);

export interface Validator {
  checkRequest(operation: Operation, parts: RequestParts): RequestCheck;
  /** Validates a JSON response body; returns readable errors, empty when valid. */
  checkResponse(operation: Operation, status: number, body: unknown): string[];
}

/** Rewrites OpenAPI 3.0 `nullable: true` into JSON Schema, which ajv can check without `type` beside it. */
function convertNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convertNullable);
  if (!node || typeof node !== "object") return node;
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) converted[key] = convertNullable(value);
  if (converted.nullable !== true) return converted;
  delete converted.nullable;
  return { anyOf: [converted, { type: "null" }] };
}

function toFieldErrors(
  resource: string,
  where: string,
  errors: ErrorObject[] | null | undefined,
): FieldError[] {
  return (errors ?? []).map((error) => {
    const field = `${where}${error.instancePath}`.replace(/^\//, "").replaceAll("/", ".");
    const missing = error.keyword === "required" ? `.${String(error.params.missingProperty)}` : "";
    return {
      resource,
      field: `${field}${missing}`,
      code: error.keyword === "required" ? "missing_field" : "invalid",
      message: `${field}${missing || ""} ${error.message ?? "is invalid"}`.trim(),
    };
  });
}

function allowsType(schema: JsonSchema, type: string, doc: OpenApiDocument): boolean {
  const resolved = deref<JsonSchema>(doc, schema);
  if (resolved.type === type) return true;
  const branches = [...((resolved.oneOf as JsonSchema[]) ?? []), ...((resolved.anyOf as JsonSchema[]) ?? [])];
  return branches.some((branch) => allowsType(branch, type, doc));
}

/** Converts a path/query string to what its schema expects, as GitHub's Rails params do. */
function coerce(value: string, schema: JsonSchema | undefined, doc: OpenApiDocument): unknown {
  if (!schema) return value;
  if (/^-?\d+$/.test(value) && (allowsType(schema, "integer", doc) || allowsType(schema, "number", doc))) {
    return Number(value);
  }
  if (/^-?\d+(\.\d+)?$/.test(value) && allowsType(schema, "number", doc)) return Number(value);
  if ((value === "true" || value === "false") && allowsType(schema, "boolean", doc)) return value === "true";
  return value;
}

/**
 * Compiles validators for every operation of `doc` lazily, on first use.
 *
 * @param doc the OpenAPI subset
 * @returns request and response checkers
 */
export function createValidator(doc: OpenApiDocument): Validator {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  ajv.addFormat("int64", true);
  ajv.addFormat("timestamp", true);
  ajv.addSchema(convertNullable(doc) as JsonSchema, DOC_ID);

  const cache = new Map<string, ValidateFunction>();
  const compiled = (pointer: string): ValidateFunction => {
    let validate = cache.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOC_ID}${pointer}` });
      cache.set(pointer, validate);
    }
    return validate;
  };

  const checkParameter = (parameter: Parameter, raw: string, errors: FieldError[], operationId: string) => {
    const value = coerce(raw, parameter.schema, doc);
    if (SEARCH_SYNTAX_PARAMETERS.has(parameter.name)) {
      if (parseDateQualifier(raw) === null) {
        errors.push({
          resource: operationId,
          field: parameter.name,
          code: "invalid",
          message: `${parameter.name} "${raw}" is neither a date nor a date range in search syntax`,
        });
      }
      return value;
    }
    if (parameter.schema) {
      const validate = compiled(parameter.schemaPointer);
      if (!validate(value)) errors.push(...toFieldErrors(operationId, parameter.name, validate.errors));
    }
    return value;
  };

  return {
    checkRequest(operation, parts) {
      const result: RequestCheck = { pathErrors: [], errors: [], unknownQuery: [], params: {} };
      const id = operation.operationId;
      for (const parameter of operation.parameters) {
        const source =
          parameter.in === "path" ? parts.pathParams : parameter.in === "query" ? parts.query : null;
        if (!source) continue;
        const raw = source[parameter.name];
        const errors = parameter.in === "path" ? result.pathErrors : result.errors;
        if (raw === undefined) {
          if (parameter.required) {
            errors.push({
              resource: id,
              field: parameter.name,
              code: "missing_field",
              message: `${parameter.name} is required`,
            });
          }
          continue;
        }
        result.params[parameter.name] = checkParameter(parameter, raw, errors, id);
      }
      const known = new Set(operation.parameters.filter((p) => p.in === "query").map((p) => p.name));
      result.unknownQuery = Object.keys(parts.query).filter((name) => !known.has(name));

      const body = operation.requestBody;
      const hasJsonSchema = body?.content?.["application/json"]?.schema !== undefined;
      if (body && hasJsonSchema && parts.bodyState !== "unparsable") {
        if (parts.bodyState === "absent") {
          if (body.required) {
            result.errors.push({
              resource: id,
              field: "body",
              code: "missing_field",
              message: "a JSON request body is required",
            });
          }
        } else {
          const pointer = `${operation.pointer}/requestBody/content/application~1json/schema`;
          const validate = compiled(pointer);
          if (!validate(parts.body)) result.errors.push(...toFieldErrors(id, "body", validate.errors));
        }
      }
      return result;
    },

    checkResponse(operation, status, body) {
      const declared = operation.responses[String(status)];
      if (!declared) return [`${operation.operationId} does not declare a ${status} response`];
      const pointer = declared.$ref ?? `${operation.pointer}/responses/${status}`;
      const response = deref<{ content?: Record<string, { schema?: JsonSchema }> }>(doc, declared);
      if (!response.content?.["application/json"]?.schema) {
        return body === undefined ? [] : [`${operation.operationId} ${status} declares no JSON body`];
      }
      const validate = compiled(`${pointer}/content/application~1json/schema`);
      if (validate(body)) return [];
      return toFieldErrors(operation.operationId, "response", validate.errors).map((error) => error.message);
    },
  };
}
