import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { listRunbookFiles, loadRunbookFile, parseRunbookText } from "./load.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = "test/fixtures/runbooks";

/** Parses a fixture, naming it by its repository path as the CLI would. */
function parseFixture(path: string) {
  return parseRunbookText(readFileSync(`${root}${path}`, "utf8"), path);
}

const invalid: [file: string, problems: string[]][] = [
  [
    "yaml-syntax.yml",
    [":6:1 YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]"],
  ],
  ["duplicate-key.yml", [":7:1 YAML syntax: Map keys must be unique"]],
  ["unknown-field.yml", [':8:3 guards.cooldowns: unknown field "cooldowns" (did you mean "cooldown"?)']],
  ["unknown-top-level-field.yml", [':7:1 severity: unknown field "severity"']],
  ["bad-duration.yml", [':13:13 guards.cooldown: "10 minutes" is not a duration (use 30s, 10m, 1h)']],
  ["bad-name.yml", [':1:7 name: "Nginx_Down" must be kebab-case: a-z, 0-9 and single dashes']],
  [
    "missing-fields.yml",
    [
      ':1:1 missing required field "description"',
      ':1:1 missing required field "owner"',
      ':3:3 match: missing required field "alertname"',
    ],
  ],
  [
    "wrong-types.yml",
    [
      ":6:11 priority: must be an integer, got a string",
      ':7:7 mode: "automatic" is not one of auto, approval, notify, dry-run',
      ":9:15 guards.maxPerHour: must be >= 1",
    ],
  ],
  [
    "bad-glob.yml",
    [
      ':5:14 match.alertname: "Nginx[z-a]*" can never match: its [...] class is empty (write [a-z], not [z-a])',
      ':7:10 match.labels.job: "!" is not a glob: nothing follows the "!"',
    ],
  ],
  [
    "bad-regex.yml",
    [
      ':9:12 target.pattern: "^([^:]+" is not a valid regular expression: Invalid regular expression: /^([^:]+/: Unterminated group',
    ],
  ],
  [
    "bad-cron.yml",
    [
      ':9:15 guards.blackout[0].cron: "0 2 * * 6 2026" is not a five-field cron expression (minute hour day-of-month month day-of-week, e.g. "0 2 * * 6")',
      ':10:13 guards.blackout[1].cron: "61 2 * * *" is not a valid cron expression: CronPattern: Invalid value for minute: 61',
    ],
  ],
  [
    "unknown-timezone.yml",
    [
      ':11:17 guards.blackout[0].timezone: "Europe/Berln" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)',
    ],
  ],
  [
    "approval-without-environment.yml",
    [
      ":1:1 environment: mode approval needs an environment: name the GitHub environment whose required reviewers approve the remediate job",
    ],
  ],
  [
    "bridge-approval-without-approvers.yml",
    [
      ":1:1 approvers: approval: bridge needs approvers: list the GitHub users or org/team slugs who may answer /approve, or every execution can only expire",
    ],
  ],
  [
    "step-without-kind.yml",
    [":9:7 steps.remediate[0]: a step needs exactly one of run, http, wait or promql"],
  ],
  [
    "step-with-two-kinds.yml",
    [":11:7 steps.verify[1]: a step does one thing: it has run and http; split it into 2 steps"],
  ],
  [
    "unknown-field-in-step.yml",
    [
      ':11:7 steps.remediate[0].retry: unknown field "retry" (did you mean "retries"?)',
      ':16:9 steps.verify[0].http.status: unknown field "status"',
    ],
  ],
  [
    "too-many-secrets.yml",
    [
      ":8:5 steps.remediate: the remediate phase names 7 secrets (A_KEY, B_KEY, C_KEY, D_KEY, E_KEY, F_KEY, G_KEY); the remediate workflow passes a phase at most 6: combine some (e.g. one JSON secret) or move steps to another phase",
    ],
  ],
  [
    "bad-promql-expect.yml",
    [
      ':13:17 steps.verify[0].promql.expect: "below 0.05" is not an expectation (use empty, nonempty, or a comparison like "< 0.05")',
    ],
  ],
];

describe("parseRunbookText", () => {
  describe.each(invalid)("rejects invalid/%s", (name, expected) => {
    const path = `${fixtures}/invalid/${name}`;

    it("with every problem located as file:line:column path: message", () => {
      const { runbook, problems } = parseFixture(path);
      expect(runbook).toBeUndefined();
      expect(problems.map(String)).toEqual(expected.map((problem) => `${path}${problem}`));
    });
  });

  it("has a test case for every invalid fixture", () => {
    const files = readdirSync(`${root}${fixtures}/invalid`).sort();
    expect(files).toEqual(invalid.map(([name]) => name).sort());
  });

  it.each(["minimal.yml", "every-field.yml"])("accepts valid/%s without problems", (name) => {
    const { runbook, problems } = parseFixture(`${fixtures}/valid/${name}`);
    expect(problems.map(String)).toEqual([]);
    expect(runbook?.runbook.name).toBe(name.replace(/\.yml$/, ""));
  });

  it("fills the schema's defaults into a minimal runbook and nothing else", () => {
    const { runbook } = parseFixture(`${fixtures}/valid/minimal.yml`);
    expect(runbook?.runbook).toEqual({
      name: "minimal",
      description: "Only the required fields",
      owner: "@acme/sre",
      match: { alertname: "SomethingBroke" },
      mode: "notify",
      priority: 0,
      workflow: "remediate.yml",
      ref: "main",
      dispatch: "workflow",
      runsOn: ["ubuntu-latest"],
      approvalTimeout: "30m",
      approvalTimeoutMs: 30 * 60_000,
      approval: "auto",
      approvers: [],
      approvalExpiry: "24h",
      approvalExpiryMs: 24 * 60 * 60_000,
      guards: { blackout: [], onResolved: "ignore", group: "alert" },
      outcome: { within: "15m", withinMs: 15 * 60_000, relapseWithin: "1h", relapseWithinMs: 60 * 60_000 },
      steps: { healthCheck: [], diagnostics: [], remediate: [], verify: [], rollback: [] },
      notify: [],
      examples: [],
    });
  });

  it("keeps values the author wrote instead of defaults", () => {
    const { runbook } = parseFixture(`${fixtures}/valid/every-field.yml`);
    const loaded = runbook?.runbook;
    expect(loaded?.priority).toBe(-5);
    expect(loaded?.dispatch).toBe("repository");
    expect(loaded?.runsOn).toEqual(["self-hosted", "linux", "prod-net"]);
    expect(loaded?.guards?.breaker?.scope).toBe("global");
    expect(loaded?.guards?.blackout?.map((window) => window.timezone)).toEqual(["UTC", "Asia/Kolkata"]);
    expect(loaded?.steps?.diagnostics?.[0]).toMatchObject({ shell: "sh", timeout: "30s", retries: 2 });
  });

  it("records the sha256 of the exact bytes it parsed", () => {
    const text = readFileSync(`${root}${fixtures}/valid/minimal.yml`, "utf8");
    const first = parseRunbookText(text, "a.yml").runbook?.sourceHash;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(parseRunbookText(`${text}\n`, "a.yml").runbook?.sourceHash).not.toBe(first);
  });

  it.each([
    ["an empty file", "", "a.yml must be a mapping, got nothing"],
    ["a list", "- name: x\n", "a.yml:1:1 must be a mapping, got a list"],
    [
      "two YAML documents",
      "name: a\n---\nname: b\n",
      "a.yml:2:1 YAML syntax: Source contains multiple documents; please use YAML.parseAllDocuments()",
    ],
  ])("rejects %s as a whole", (_, text, expected) => {
    expect(parseRunbookText(text, "a.yml").problems.map(String)).toEqual([expected]);
  });
});

describe("loadRunbookFile", () => {
  it("reads and parses a runbook file", () => {
    const { runbook, problems } = loadRunbookFile(`${root}${fixtures}/valid/minimal.yml`);
    expect(problems).toEqual([]);
    expect(runbook?.file).toBe(`${root}${fixtures}/valid/minimal.yml`);
  });

  it("reports a file it cannot read instead of throwing", () => {
    const { runbook, problems } = loadRunbookFile(`${root}${fixtures}/missing.yml`);
    expect(runbook).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(String(problems[0])).toMatch(/missing\.yml cannot read: ENOENT/);
  });
});

describe("listRunbookFiles", () => {
  it("lists .yml and .yaml files sorted by name, skipping folders and other files", () => {
    const files = listRunbookFiles(`${root}${fixtures}/sets/listing`).map((file) => file.split("/").pop());
    expect(files).toEqual(["a.yaml", "b.yml"]);
  });
});
