import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseRunbookText } from "./load.js";
import type { LoadedRunbook } from "./loaded-runbook.js";
import { buildMatchIndex, type RouteResult } from "./match-index.js";
import type { Runbook } from "./runbook.types.js";

type RunbookInput = Partial<Runbook> & Pick<Runbook, "name" | "match">;

/** A runbook loaded the way files are (schema, semantics, defaults), from a few fields. */
function runbook(input: RunbookInput): LoadedRunbook {
  const document = { description: "test runbook", owner: "@acme/sre", mode: "notify", ...input };
  const { runbook: loaded, problems } = parseRunbookText(stringify(document), `${input.name}.yml`);
  if (!loaded) throw new Error(problems.map(String).join("\n"));
  return loaded;
}

function route(
  runbooks: RunbookInput[],
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): RouteResult {
  return buildMatchIndex(runbooks.map(runbook)).route({ labels, annotations });
}

function summary(result: RouteResult) {
  return {
    winner: result.winner?.runbook.runbook.name,
    reason: result.reason,
    lost: result.lost.map((candidate) => [candidate.runbook.runbook.name, candidate.reason]),
    rejected: result.rejected.map((candidate) => [candidate.runbook.runbook.name, candidate.reason]),
  };
}

describe("buildMatchIndex: alertnames", () => {
  const runbooks: RunbookInput[] = [
    { name: "exact", match: { alertname: "NginxDown" } },
    { name: "listed", match: { alertname: ["ServiceDown", "ApplicationDown"] } },
    { name: "prefix", match: { alertname: "Kube*" } },
    { name: "kube-without-kubelet", match: { alertname: ["KubePod*", "!KubePodPending"] } },
    { name: "leading-star", match: { alertname: "*Unreachable" } },
    { name: "middle-star", match: { alertname: "Host*Full" } },
    { name: "braces", match: { alertname: "{Redis,Memcached}Down" } },
    { name: "not-watchdog", match: { alertname: "!Watchdog" }, priority: -100 },
  ];

  it.each([
    ["NginxDown", ["exact", "not-watchdog"]],
    ["ApplicationDown", ["listed", "not-watchdog"]],
    ["ServiceDown", ["listed", "not-watchdog"]],
    ["KubeletDown", ["prefix", "not-watchdog"]],
    ["KubePodCrashLooping", ["kube-without-kubelet", "prefix", "not-watchdog"]],
    ["KubePodPending", ["prefix", "not-watchdog"]],
    ["Kube", ["prefix", "not-watchdog"]],
    ["BlackboxTargetUnreachable", ["leading-star", "not-watchdog"]],
    ["Unreachable", ["leading-star", "not-watchdog"]],
    ["HostDiskFull", ["middle-star", "not-watchdog"]],
    ["MemcachedDown", ["braces", "not-watchdog"]],
    ["Watchdog", []],
    ["", ["not-watchdog"]],
  ])("%s is accepted by %j, in rank order", (alertname, expected) => {
    const result = route(runbooks, alertname ? { alertname } : {});
    const accepted = [result.winner, ...result.lost].flatMap((candidate) =>
      candidate ? [candidate.runbook.runbook.name] : [],
    );
    expect(accepted).toEqual(expected);
  });

  it("does not confuse an exact alertname with a longer one", () => {
    expect(route([runbooks[0] as RunbookInput], { alertname: "NginxDownstream" }).winner).toBeUndefined();
  });

  it("finds an alertname-prefix glob and a leading-star glob among many exact runbooks", () => {
    const many: RunbookInput[] = Array.from({ length: 500 }, (_, index) => ({
      name: `exact-${index}`,
      match: { alertname: `Alert${index}` },
    }));
    const index = buildMatchIndex(
      [
        ...many,
        { name: "pods", match: { alertname: "KubePod*" } },
        { name: "down", match: { alertname: "*Down" } },
      ].map(runbook),
    );
    expect(index.size).toBe(502);
    expect(index.route({ labels: { alertname: "KubePodNotReady" } }).winner?.runbook.runbook.name).toBe(
      "pods",
    );
    expect(index.route({ labels: { alertname: "Alert17Down" } }).winner?.runbook.runbook.name).toBe("down");
    expect(index.route({ labels: { alertname: "Alert17" } }).winner?.runbook.runbook.name).toBe("exact-17");
  });
});

describe("buildMatchIndex: labels and annotations", () => {
  const runbooks: RunbookInput[] = [
    {
      name: "nginx-prod",
      match: {
        alertname: "NginxDown",
        labels: { env: "prod", severity: ["critical", "warning"], cluster: "!staging-*" },
      },
    },
    {
      name: "nginx-team",
      match: { alertname: "NginxDown", annotations: { team: "web*" } },
    },
  ];

  it.each([
    [
      "every label matcher must accept",
      { alertname: "NginxDown", env: "prod", severity: "warning", cluster: "eu-1" },
      {},
      { winner: "nginx-prod", rejected: [["nginx-team", "annotation team=(missing) does not match web*"]] },
    ],
    [
      "the first refusing matcher is the reason",
      { alertname: "NginxDown", env: "dev", severity: "info" },
      { team: "web-sre" },
      { winner: "nginx-team", rejected: [["nginx-prod", 'label env="dev" does not match prod']] },
    ],
    [
      "a negated label matcher accepts a missing label",
      { alertname: "NginxDown", env: "prod", severity: "critical" },
      {},
      { winner: "nginx-prod", rejected: [["nginx-team", "annotation team=(missing) does not match web*"]] },
    ],
    [
      "a negated label matcher refuses what it names",
      { alertname: "NginxDown", env: "prod", severity: "critical", cluster: "staging-eu" },
      {},
      {
        winner: undefined,
        rejected: [
          ["nginx-prod", 'label cluster="staging-eu" does not match !staging-*'],
          ["nginx-team", "annotation team=(missing) does not match web*"],
        ],
      },
    ],
    [
      "a missing label refuses a positive matcher",
      { alertname: "NginxDown", env: "prod" },
      { team: "database" },
      {
        winner: undefined,
        rejected: [
          ["nginx-prod", "label severity=(missing) does not match critical, warning"],
          ["nginx-team", 'annotation team="database" does not match web*'],
        ],
      },
    ],
  ])("%s", (_, labels, annotations, expected) => {
    const result = summary(route(runbooks, labels, annotations));
    expect({ winner: result.winner, rejected: result.rejected }).toEqual(expected);
  });

  it("says so when nothing matches", () => {
    expect(summary(route(runbooks, { alertname: "Watchdog" }))).toEqual({
      winner: undefined,
      reason: "no runbook matches this alert",
      lost: [],
      rejected: [],
    });
  });
});

describe("buildMatchIndex: ranking", () => {
  it.each<[string, RunbookInput[], ReturnType<typeof summary>]>([
    [
      "the highest priority wins",
      [
        { name: "low", match: { alertname: "NginxDown", labels: { env: "prod" } }, priority: 10 },
        { name: "high", match: { alertname: "Nginx*" }, priority: 100 },
      ],
      {
        winner: "high",
        reason: "highest ranked of 2 matching runbooks",
        lost: [["low", "priority 10 < high's 100"]],
        rejected: [],
      },
    ],
    [
      "with equal priority the more specific wins (an exact alertname beats a glob)",
      [
        { name: "glob", match: { alertname: "Nginx*" } },
        { name: "exact", match: { alertname: "NginxDown" } },
      ],
      {
        winner: "exact",
        reason: "highest ranked of 2 matching runbooks",
        lost: [["glob", "same priority, less specific (1 < exact's 2 matchers)"]],
        rejected: [],
      },
    ],
    [
      "with equal priority each label matcher adds specificity",
      [
        { name: "one-label", match: { alertname: "NginxDown", labels: { env: "prod" } } },
        { name: "two-labels", match: { alertname: "NginxDown", labels: { env: "prod", job: "nginx" } } },
      ],
      {
        winner: "two-labels",
        reason: "highest ranked of 2 matching runbooks",
        lost: [["one-label", "same priority, less specific (3 < two-labels's 4 matchers)"]],
        rejected: [],
      },
    ],
    [
      "with equal priority and specificity the name decides",
      [
        { name: "bravo", match: { alertname: "NginxDown" } },
        { name: "alpha", match: { alertname: "NginxDown" } },
        { name: "charlie", match: { alertname: "NginxDown" } },
      ],
      {
        winner: "alpha",
        reason: "highest ranked of 3 matching runbooks",
        lost: [
          ["bravo", "same priority and specificity; alpha sorts first by name"],
          ["charlie", "same priority and specificity; alpha sorts first by name"],
        ],
        rejected: [],
      },
    ],
    [
      "a single match is the only matching runbook",
      [{ name: "only", match: { alertname: "NginxDown" } }],
      { winner: "only", reason: "only matching runbook", lost: [], rejected: [] },
    ],
  ])("%s", (_, runbooks, expected) => {
    expect(summary(route(runbooks, { alertname: "NginxDown", env: "prod", job: "nginx" }))).toEqual(expected);
  });

  it("ranks the same way whatever order the runbooks were loaded in", () => {
    const runbooks: RunbookInput[] = [
      { name: "b", match: { alertname: "X" } },
      { name: "a", match: { alertname: "X" } },
      { name: "c", match: { alertname: "X*" }, priority: 1 },
    ];
    const forward = summary(route(runbooks, { alertname: "X" }));
    const backward = summary(route([...runbooks].reverse(), { alertname: "X" }));
    expect(backward).toEqual(forward);
    expect(forward.winner).toBe("c");
  });
});

describe("buildMatchIndex: the runbook annotation", () => {
  const runbooks: RunbookInput[] = [
    { name: "nginx-restart", match: { alertname: "NginxDown" }, priority: 100 },
    { name: "nginx-reload", match: { alertname: "NginxDown", labels: { reason: "config" } } },
    { name: "database-down", match: { alertname: "DatabaseDown" } },
  ];

  it.each<[string, Record<string, string>, Record<string, string>, ReturnType<typeof summary>]>([
    [
      "names a lower-ranked runbook whose matchers accept the alert: it wins",
      { alertname: "NginxDown", reason: "config" },
      { runbook: "nginx-reload" },
      {
        winner: "nginx-reload",
        reason: "named by the alert's runbook annotation",
        lost: [["nginx-restart", "the alert names nginx-reload in its runbook annotation"]],
        rejected: [],
      },
    ],
    [
      "works as automation_runbook too",
      { alertname: "NginxDown", reason: "config" },
      { automation_runbook: "nginx-reload" },
      {
        winner: "nginx-reload",
        reason: "named by the alert's automation_runbook annotation",
        lost: [["nginx-restart", "the alert names nginx-reload in its runbook annotation"]],
        rejected: [],
      },
    ],
    [
      "names a runbook whose label matchers refuse the alert: ranking decides",
      { alertname: "NginxDown" },
      { runbook: "nginx-reload" },
      {
        winner: "nginx-restart",
        reason:
          "only matching runbook; runbook annotation names nginx-reload, but its matchers do not accept this alert",
        lost: [],
        rejected: [["nginx-reload", "label reason=(missing) does not match config"]],
      },
    ],
    [
      "names a runbook for another alertname: it cannot take this alert",
      { alertname: "NginxDown" },
      { runbook: "database-down" },
      {
        winner: "nginx-restart",
        reason:
          "only matching runbook; runbook annotation names database-down, but its matchers do not accept this alert",
        lost: [],
        rejected: [["nginx-reload", "label reason=(missing) does not match config"]],
      },
    ],
    [
      "names a runbook that is not loaded",
      { alertname: "NginxDown" },
      { runbook: "nginx-magic" },
      {
        winner: "nginx-restart",
        reason: "only matching runbook; runbook annotation names nginx-magic, which is not loaded",
        lost: [],
        rejected: [["nginx-reload", "label reason=(missing) does not match config"]],
      },
    ],
    [
      "is a URL to a wiki page: ignored",
      { alertname: "NginxDown", reason: "config" },
      { runbook: "https://wiki.example.com/runbooks/nginx-reload" },
      {
        winner: "nginx-restart",
        reason: "highest ranked of 2 matching runbooks",
        lost: [["nginx-reload", "priority 0 < nginx-restart's 100"]],
        rejected: [],
      },
    ],
    [
      "names nothing and no runbook matches",
      { alertname: "Watchdog" },
      { runbook: "nginx-reload" },
      {
        winner: undefined,
        reason: "runbook annotation names nginx-reload, but its matchers do not accept this alert",
        lost: [],
        rejected: [],
      },
    ],
  ])("%s", (_, labels, annotations, expected) => {
    expect(summary(route(runbooks, labels, annotations))).toEqual(expected);
  });
});

describe("buildMatchIndex: targets", () => {
  it.each([
    ["no target spec", undefined, { instance: "web-1:9113" }, undefined],
    ["the whole label without a pattern", { label: "instance" }, { instance: "web-1:9113" }, "web-1:9113"],
    [
      "the first capture group",
      { label: "instance", pattern: "^([^:]+)" },
      { instance: "web-1:9113" },
      "web-1",
    ],
    [
      "the group named target over earlier groups",
      { label: "pod", pattern: "^(prod|dev)-(?<target>.+)-[a-z0-9]{5}$" },
      { pod: "prod-cart-7f9c2" },
      "cart",
    ],
    [
      "the whole match without groups",
      { label: "instance", pattern: "web-[0-9]+" },
      { instance: "x.web-12.y" },
      "web-12",
    ],
    [
      "nothing when the pattern does not match",
      { label: "instance", pattern: "^db-" },
      { instance: "web-1" },
      undefined,
    ],
    ["nothing when the label is missing", { label: "instance" }, { host: "web-1" }, undefined],
    ["nothing when the label is empty", { label: "instance" }, { instance: "" }, undefined],
  ])("extracts %s", (_, target, labels, expected) => {
    const runbooks: RunbookInput[] = [
      { name: "nginx", match: { alertname: "NginxDown" }, ...(target ? { target } : {}) },
    ];
    expect(route(runbooks, { alertname: "NginxDown", ...labels }).target).toBe(expected);
  });

  it("extracts the target with the winner's spec, not a loser's", () => {
    const result = route(
      [
        {
          name: "by-host",
          match: { alertname: "NginxDown" },
          target: { label: "instance", pattern: "^([^:]+)" },
        },
        { name: "by-job", match: { alertname: "NginxDown" }, target: { label: "job" }, priority: 1 },
      ],
      { alertname: "NginxDown", instance: "web-1:9113", job: "nginx-edge" },
    );
    expect(result.target).toBe("nginx-edge");
  });
});
