import { describe, expect, it } from "vitest";
import { applyDefaults } from "./defaults.js";
import { runbookSchema } from "./schema.js";

type Json = Record<string, unknown>;
type Path = (string | number)[];

/** Every `default` in the schema, as the JSON pointer of the property that declares it. */
function schemaDefaults(node: unknown, pointer = ""): Map<string, unknown> {
  const found = new Map<string, unknown>();
  if (typeof node !== "object" || node === null) return found;
  for (const [key, child] of Object.entries(node as Json)) {
    if (key === "default") found.set(pointer, child);
    else for (const [at, value] of schemaDefaults(child, `${pointer}/${key}`)) found.set(at, value);
  }
  return found;
}

/** The leaves `after` has that `before` has not, as path → value. */
function added(before: unknown, after: unknown, path: Path = []): [Path, unknown][] {
  if (before === undefined) return [[path, after]];
  if (typeof after !== "object" || after === null) return [];
  return Object.entries(after).flatMap(([key, value]) => {
    const segment = Array.isArray(after) ? Number(key) : key;
    return added((before as Json)[key], value, [...path, segment]);
  });
}

/** A runbook with one of every object that has defaulted fields, none of them filled in. */
const bare = {
  name: "bare",
  description: "every defaulted field left out",
  owner: "@acme/sre",
  match: { alertname: "X" },
  mode: "auto",
  outcome: {},
  guards: {
    breaker: { failures: 1, within: "1h", openFor: "1h" },
    blackout: [{ cron: "0 2 * * 6", duration: "1h" }],
  },
  steps: {
    remediate: [
      { name: "run", run: "true" },
      { name: "http", http: { url: "http://x" } },
      { name: "wait", wait: "1s" },
      { name: "promql", promql: { url: "http://p", query: "up" } },
    ],
  },
  notify: [{ slack: { webhookSecret: "S" } }, { issue: {} }, { pagerduty: { routingKeySecret: "P" } }],
};

const stepCommon = ["timeout", "retries", "retryDelay", "continueOnError"];
/** Where in `bare` each schema default lands (document path → schema pointer). */
const expected: [Path, string][] = [
  [["priority"], "/properties/priority"],
  [["workflow"], "/properties/workflow"],
  [["ref"], "/properties/ref"],
  [["dispatch"], "/properties/dispatch"],
  [["runsOn"], "/properties/runsOn"],
  [["approvalTimeout"], "/properties/approvalTimeout"],
  [["approval"], "/properties/approval"],
  [["approvalExpiry"], "/properties/approvalExpiry"],
  [["outcome", "within"], "/$defs/outcome/properties/within"],
  [["outcome", "relapseWithin"], "/$defs/outcome/properties/relapseWithin"],
  [["guards", "breaker", "scope"], "/$defs/breaker/properties/scope"],
  [["guards", "blackout", 0, "timezone"], "/$defs/blackout/properties/timezone"],
  [["guards", "onResolved"], "/$defs/guards/properties/onResolved"],
  [["guards", "group"], "/$defs/guards/properties/group"],
  ...[0, 1, 2, 3].flatMap((step) =>
    stepCommon.map((field): [Path, string] => [
      ["steps", "remediate", step, field],
      `/$defs/stepCommon/properties/${field}`,
    ]),
  ),
  [["steps", "remediate", 0, "shell"], "/$defs/runStep/properties/shell"],
  [["steps", "remediate", 1, "http", "method"], "/$defs/httpCheck/properties/method"],
  [["steps", "remediate", 3, "promql", "expect"], "/$defs/promqlCheck/properties/expect"],
  [["notify", 0, "when"], "/$defs/notification/properties/when"],
  [["notify", 1, "when"], "/$defs/notification/properties/when"],
  [["notify", 1, "issue", "severities"], "/$defs/notification/properties/issue/properties/severities"],
  [["notify", 2, "when"], "/$defs/notification/properties/when"],
  [
    ["notify", 2, "pagerduty", "severities"],
    "/$defs/notification/properties/pagerduty/properties/severities",
  ],
];

describe("applyDefaults", () => {
  const defaults = schemaDefaults(runbookSchema);
  const filled = applyDefaults(bare);

  it("the expectations cover every default the schema declares", () => {
    expect(new Set(expected.map(([, pointer]) => pointer))).toEqual(new Set(defaults.keys()));
  });

  it("fills exactly the schema's defaults, each where the schema declares it", () => {
    const actual = added(bare, filled).map(([path, value]): [string, unknown] => [path.join("."), value]);
    const wanted = expected.map(([path, pointer]): [string, unknown] => [
      path.join("."),
      defaults.get(pointer),
    ]);
    expect(new Map(actual)).toEqual(new Map(wanted));
  });

  it("gives a step only the defaults of its own kind", () => {
    const [run, http, wait] = filled.steps.remediate;
    expect(run).not.toHaveProperty("http");
    expect(http).not.toHaveProperty("shell");
    expect(wait).not.toHaveProperty("shell");
  });

  it("leaves the input alone and never shares a default between runbooks", () => {
    expect(bare).not.toHaveProperty("priority");
    const again = applyDefaults(bare);
    const severities = (filled.notify[1] as { issue: { severities: string[] } }).issue.severities;
    severities.push("warning");
    expect((again.notify[1] as { issue: { severities: string[] } }).issue.severities).toEqual(["critical"]);
    expect(defaults.get("/$defs/notification/properties/issue/properties/severities")).toEqual(["critical"]);
  });

  it("keeps what the author wrote", () => {
    const written = applyDefaults({ ...bare, priority: 7, guards: { onResolved: "cancel" } });
    expect(written.priority).toBe(7);
    expect(written.guards).toEqual({ onResolved: "cancel", group: "alert" });
  });
});
