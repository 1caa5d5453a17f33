/**
 * @module
 * Turns ajv's errors into messages a runbook author can act on. ajv reports every
 * failing branch of a step's `oneOf`; instead we decide which kind of step the author
 * meant (a step with `run:` is a run step) and explain only that kind's errors.
 */
import { definitionValidator, type ErrorObject, resolveRef } from "./schema.js";

export interface ShapeError {
  segments: (string | number)[];
  /** Point at the key rather than the value (unknown fields). */
  atKey: boolean;
  message: string;
}

const STEP_KINDS = ["run", "http", "wait", "promql"] as const;

const PATTERN_MESSAGES: [pattern: unknown, explain: (value: string) => string][] = [
  [resolveRef("#/$defs/duration").pattern, (value) => `${value} is not a duration (use 30s, 10m, 1h)`],
  [
    resolveRef("#/$defs/labelName").pattern,
    (value) => `${value} is not a valid label name (letters, digits and _, not starting with a digit)`,
  ],
  [
    resolveRef("#/$defs/promqlCheck").properties &&
      (resolveRef("#/$defs/promqlCheck").properties as Record<string, { pattern?: string }>).expect?.pattern,
    (value) => `${value} is not an expectation (use empty, nonempty, or a comparison like "< 0.05")`,
  ],
  ["^[a-z0-9]+(-[a-z0-9]+)*$", (value) => `${value} must be kebab-case: a-z, 0-9 and single dashes`],
];

const KNOWN_TYPOS: Record<string, string> = {
  cooldowns: "cooldown",
  max_per_hour: "maxPerHour",
  maxperhour: "maxPerHour",
  on_resolved: "onResolved",
  health_check: "healthCheck",
  healthcheck: "healthCheck",
  alert_name: "alertname",
  alertName: "alertname",
  script: "run",
  command: "run",
  retry: "retries",
  retry_delay: "retryDelay",
  timeoutSeconds: "timeout",
};

function toSegments(instancePath: string, data: unknown): (string | number)[] {
  if (!instancePath) return [];
  const segments: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of instancePath.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const segment = Array.isArray(node) && /^\d+$/.test(key) ? Number(key) : key;
    segments.push(segment);
    node = (node as Record<string | number, unknown> | undefined)?.[segment];
  }
  return segments;
}

function valueAt(data: unknown, segments: readonly (string | number)[]): unknown {
  let node = data;
  for (const segment of segments) node = (node as Record<string | number, unknown> | undefined)?.[segment];
  return node;
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null || value === undefined) return "nothing";
  return typeof value === "object" ? "a mapping" : `a ${typeof value}`;
}

function describe(error: ErrorObject, value: unknown): string {
  const shown = JSON.stringify(value) ?? String(value);
  switch (error.keyword) {
    case "pattern": {
      const known = PATTERN_MESSAGES.find(([pattern]) => pattern === error.params.pattern);
      return known ? known[1](shown) : `${shown} does not have the expected form (${error.params.pattern})`;
    }
    case "enum":
      return `${shown} is not one of ${(error.params.allowedValues as unknown[]).join(", ")}`;
    case "type": {
      const wanted =
        error.params.type === "object"
          ? "a mapping"
          : error.params.type === "array"
            ? "a list"
            : error.params.type === "integer"
              ? "an integer"
              : `a ${error.params.type}`;
      return `must be ${wanted}, got ${kindOf(value)}`;
    }
    case "required":
      return `missing required field "${error.params.missingProperty}"`;
    case "minLength":
      return "must not be empty";
    case "minItems":
      return "must list at least one entry";
    case "oneOf":
      return "must be one value or a list of values of the documented form";
    default:
      return error.message ?? error.keyword;
  }
}

/** The path of the step containing `segments` (steps.<phase>[n]), if any. */
function stepPath(segments: readonly (string | number)[]): (string | number)[] | undefined {
  if (segments[0] !== "steps" || typeof segments[2] !== "number") return undefined;
  return segments.slice(0, 3);
}

function explainStep(path: (string | number)[], step: unknown, add: (error: ShapeError) => void): void {
  if (typeof step !== "object" || step === null || Array.isArray(step)) {
    add({ segments: path, atKey: false, message: `a step must be a mapping, got ${kindOf(step)}` });
    return;
  }
  const kinds = STEP_KINDS.filter((kind) => kind in step);
  if (kinds.length !== 1) {
    const message =
      kinds.length === 0
        ? "a step needs exactly one of run, http, wait or promql"
        : `a step does one thing: it has ${kinds.join(" and ")}; split it into ${kinds.length} steps`;
    add({ segments: path, atKey: false, message });
    return;
  }
  const validate = definitionValidator(`${kinds[0]}Step`);
  if (validate(step)) return;
  for (const error of validate.errors ?? []) explainOne(error, step, path, add);
}

function explainOne(
  error: ErrorObject,
  data: unknown,
  prefix: (string | number)[],
  add: (error: ShapeError) => void,
): void {
  const segments = toSegments(error.instancePath, data);
  const full = [...prefix, ...segments];
  if (error.keyword === "additionalProperties" || error.keyword === "unevaluatedProperties") {
    const extra = String(error.params.additionalProperty ?? error.params.unevaluatedProperty);
    const fixed = KNOWN_TYPOS[extra];
    add({
      segments: [...full, extra],
      atKey: true,
      message: `unknown field "${extra}"${fixed ? ` (did you mean "${fixed}"?)` : ""}`,
    });
    return;
  }
  // The branches of a glob/status oneOf each complain about the type; the oneOf itself says it better.
  if (error.keyword === "type" && /\/oneOf\/\d+\//.test(error.schemaPath)) return;
  add({ segments: full, atKey: false, message: describe(error, valueAt(data, segments)) });
}

/** Maps ajv errors for one document to located, human messages (deduplicated). */
export function explainSchemaErrors(errors: readonly ErrorObject[], data: unknown): ShapeError[] {
  const out: ShapeError[] = [];
  const seen = new Set<string>();
  const add = (error: ShapeError) => {
    const key = `${error.segments.join("/")}|${error.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(error);
  };
  const stepsExplained = new Set<string>();
  for (const error of errors) {
    const segments = toSegments(error.instancePath, data);
    const step = stepPath(segments);
    if (step) {
      const key = step.join("/");
      if (!stepsExplained.has(key)) {
        stepsExplained.add(key);
        explainStep(step, valueAt(data, step), add);
      }
      continue;
    }
    explainOne(error, data, [], add);
  }
  return out;
}
