import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.js";
import { resolveRunbook } from "./resolve.js";
import type { ResolvedRunbook } from "./resolved-runbook.js";
import type { Runbook } from "./runbook.types.js";
import { runbookSchema } from "./schema.js";

type Json = Record<string, unknown>;

const MINUTE = 60_000;

const minimal: Runbook = {
  name: "minimal",
  description: "only what is required",
  owner: "@acme/sre",
  match: { alertname: "X" },
  mode: "auto",
};

/** One of every object that has defaulted fields, none of them filled in. */
const bare: Runbook = {
  ...minimal,
  guards: {
    breaker: { failures: 1, within: "1h", openFor: "2h" },
    blackout: [{ cron: "0 2 * * 6", duration: "4h" }],
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

/** Every schema node that declares a `default`, by the JSON pointer of that node. */
function schemaDefaults(node: unknown, pointer = ""): Map<string, Json> {
  const found = new Map<string, Json>();
  if (typeof node !== "object" || node === null) return found;
  if ("default" in node) found.set(pointer, node as Json);
  for (const [key, child] of Object.entries(node as Json)) {
    for (const [at, value] of schemaDefaults(child, `${pointer}/${key}`)) found.set(at, value);
  }
  return found;
}

/**
 * Where the resolver puts the fields of each schema object, in the resolved `bare` runbook.
 * A default declared on an object missing here fails the first test below: add that object.
 */
const owners: Record<string, (runbook: ResolvedRunbook) => object[]> = {
  "": (runbook) => [runbook],
  "/$defs/guards": (runbook) => [runbook.guards],
  "/$defs/outcome": (runbook) => [runbook.outcome],
  "/$defs/breaker": (runbook) => [runbook.guards.breaker as object],
  "/$defs/blackout": (runbook) => runbook.guards.blackout,
  "/$defs/stepCommon": (runbook) => runbook.steps.remediate,
  "/$defs/runStep": (runbook) => runbook.steps.remediate.filter((step) => "run" in step),
  "/$defs/httpCheck": (runbook) =>
    runbook.steps.remediate.flatMap((step) => ("http" in step ? [step.http] : [])),
  "/$defs/promqlCheck": (runbook) =>
    runbook.steps.remediate.flatMap((step) => ("promql" in step ? [step.promql] : [])),
  "/$defs/notification": (runbook) => runbook.notify,
  "/$defs/notification/properties/issue": (runbook) => runbook.notify.flatMap((entry) => entry.issue ?? []),
  "/$defs/notification/properties/pagerduty": (runbook) =>
    runbook.notify.flatMap((entry) => entry.pagerduty ?? []),
};

describe("resolveRunbook fills every default the schema declares", () => {
  const resolved = resolveRunbook(bare);
  const cases = [...schemaDefaults(runbookSchema)].map(([pointer, node]) => {
    const at = pointer.lastIndexOf("/properties/");
    return { pointer, owner: pointer.slice(0, at), field: pointer.slice(at + "/properties/".length), node };
  });

  it("knows where every object with a default ends up", () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const { pointer, owner } of cases) expect(owners, pointer).toHaveProperty([owner]);
  });

  it.each(cases.map((entry) => [entry.pointer, entry] as const))("%s", (_, { owner, field, node }) => {
    const objects = owners[owner]?.(resolved) ?? [];
    expect(objects.length).toBeGreaterThan(0);
    const isDuration = node.$ref === "#/$defs/duration";
    for (const object of objects) {
      expect(object).toHaveProperty([field], node.default);
      // A duration is there in milliseconds too: that is what code reads.
      if (isDuration) expect(object).toHaveProperty([`${field}Ms`], parseDuration(node.default as string));
    }
  });
});

describe("resolveRunbook", () => {
  it.each<[string, Partial<Runbook>, (runbook: ResolvedRunbook) => unknown, unknown]>([
    [
      "fills the approval timeout: 30m",
      {},
      (r) => [r.approvalTimeout, r.approvalTimeoutMs],
      ["30m", 30 * MINUTE],
    ],
    [
      "keeps a written approval timeout and converts it",
      { approvalTimeout: "1h30m" },
      (r) => [r.approvalTimeout, r.approvalTimeoutMs],
      ["1h30m", 90 * MINUTE],
    ],
    [
      "dispatches remediate.yml at main by default",
      {},
      (r) => [r.workflow, r.ref, r.dispatch],
      ["remediate.yml", "main", "workflow"],
    ],
    [
      "keeps the workflow, ref and dispatch the runbook names",
      { workflow: "cleanup.yml", ref: "release", dispatch: "repository" },
      (r) => [r.workflow, r.ref, r.dispatch],
      ["cleanup.yml", "release", "repository"],
    ],
    ["runs the phase jobs on ubuntu-latest by default", {}, (r) => r.runsOn, ["ubuntu-latest"]],
    ["makes one runner label a list of one", { runsOn: "prod-net" }, (r) => r.runsOn, ["prod-net"]],
    [
      "keeps a list of runner labels in order",
      { runsOn: ["self-hosted", "linux", "prod-net"] },
      (r) => r.runsOn,
      ["self-hosted", "linux", "prod-net"],
    ],
    [
      "gives a runbook without guards the guard defaults",
      {},
      (r) => r.guards,
      { blackout: [], onResolved: "ignore", group: "alert" },
    ],
    ["has no cooldown unless one is written", {}, (r) => "cooldownMs" in r.guards, false],
    [
      "converts a cooldown",
      { guards: { cooldown: "10m" } },
      (r) => [r.guards.cooldown, r.guards.cooldownMs],
      ["10m", 10 * MINUTE],
    ],
    [
      "converts the breaker's window and open time, scope runbook by default",
      { guards: { breaker: { failures: 3, within: "1h", openFor: "30m" } } },
      (r) => r.guards.breaker,
      {
        failures: 3,
        within: "1h",
        withinMs: 60 * MINUTE,
        openFor: "30m",
        openForMs: 30 * MINUTE,
        scope: "runbook",
      },
    ],
    [
      "keeps a written breaker scope",
      { guards: { breaker: { failures: 1, within: "1h", openFor: "1h", scope: "target" } } },
      (r) => r.guards.breaker?.scope,
      "target",
    ],
    [
      "converts a blackout window, UTC by default, reason kept",
      { guards: { blackout: [{ cron: "0 2 * * 6", duration: "4h", reason: "backup" }] } },
      (r) => r.guards.blackout,
      [{ cron: "0 2 * * 6", duration: "4h", durationMs: 240 * MINUTE, timezone: "UTC", reason: "backup" }],
    ],
    [
      "gives every phase a list, empty when the runbook has none",
      { steps: { verify: [{ name: "w", wait: "1s" }] } },
      (r) => Object.fromEntries(Object.entries(r.steps).map(([phase, steps]) => [phase, steps.length])),
      { healthCheck: 0, diagnostics: 0, remediate: 0, verify: 1, rollback: 0 },
    ],
    [
      "fills a step's timeout (5m), retries (0), retry delay (5s), env and secrets",
      { steps: { remediate: [{ name: "r", run: "true" }] } },
      (r) => r.steps.remediate[0],
      {
        name: "r",
        run: "true",
        shell: "bash",
        timeout: "5m",
        timeoutMs: 5 * MINUTE,
        retries: 0,
        retryDelay: "5s",
        retryDelayMs: 5_000,
        continueOnError: false,
        env: {},
        secrets: [],
      },
    ],
    [
      "keeps what a step says and converts its durations",
      {
        steps: {
          verify: [
            { name: "w", wait: "250ms", timeout: "2m", retries: 3, retryDelay: "10s", continueOnError: true },
          ],
        },
      },
      (r) => r.steps.verify[0],
      {
        name: "w",
        wait: "250ms",
        waitMs: 250,
        timeout: "2m",
        timeoutMs: 2 * MINUTE,
        retries: 3,
        retryDelay: "10s",
        retryDelayMs: 10_000,
        continueOnError: true,
        env: {},
        secrets: [],
      },
    ],
    [
      "gives an http check GET and a PromQL check nonempty by default",
      {
        steps: {
          verify: [
            { name: "h", http: { url: "http://x" } },
            { name: "p", promql: { url: "http://p", query: "up" } },
          ],
        },
      },
      (r) =>
        r.steps.verify.map((step) =>
          "http" in step ? step.http.method : "promql" in step && step.promql.expect,
        ),
      ["GET", "nonempty"],
    ],
    ["has no notifications unless some are written", {}, (r) => r.notify, []],
    [
      "notifies always by default; an issue channel opens issues for critical alerts",
      { notify: [{ issue: {} }] },
      (r) => r.notify,
      [{ when: "always", issue: { labels: [], assignees: [], severities: ["critical"] } }],
    ],
    [
      "keeps an empty severities list empty",
      { notify: [{ when: "failure", issue: { labels: ["incident"], severities: [] } }] },
      (r) => r.notify,
      [{ when: "failure", issue: { labels: ["incident"], assignees: [], severities: [] } }],
    ],
  ])("%s", (_, overrides, pick, expected) => {
    expect(pick(resolveRunbook({ ...minimal, ...overrides }))).toEqual(expected);
  });

  it("leaves the document as it was and shares nothing with it", () => {
    const document = structuredClone(bare);
    const resolved = resolveRunbook(document);
    expect(document).toEqual(bare);
    resolved.guards.blackout.push({ cron: "* * * * *", duration: "1m", durationMs: MINUTE, timezone: "UTC" });
    expect(resolveRunbook(document).guards.blackout).toHaveLength(1);
  });
});
