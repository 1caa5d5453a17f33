/**
 * @module
 * Generates realistic runbook sets and alerts for the match benchmark. Runbook `i` depends
 * only on `i`, so the set of 10 is the first 10 runbooks of the set of 10,000 and every
 * size routes the same alerts against the same core runbooks; the rest is what a large
 * organisation adds: one team or service per runbook, mostly exact alertnames.
 *
 * Mix of the generated runbooks (after the core): ~80% one exact alertname, ~15% a list
 * of two or three, ~5% a service-prefix glob (`Checkout17*`). Leading-wildcard globs
 * (`*Down`) stay at a fixed five, all in the core: they are rare in practice and every
 * alert has to meet them.
 *
 * @example
 * const sources = generateRunbooks(1_000);          // RunbookSource[]: file + YAML text
 * const alerts = generateAlerts(200);               // the same alerts for every size
 */
import { stringify } from "yaml";
import type { MatchableAlert } from "../bridge/runbooks/alert-shape.js";
import type { RunbookSource } from "../bridge/runbooks/runbook-set.js";

type Document = Record<string, unknown>;

/** The core every set starts with: what small installations run, five leading globs included. */
const CORE: Document[] = [
  {
    name: "nginx-down",
    match: { alertname: "NginxDown", labels: { job: "nginx*", severity: ["critical", "warning"] } },
    priority: 100,
    target: { label: "instance", pattern: "^([^:]+)" },
  },
  {
    name: "service-down",
    match: { alertname: ["ServiceDown", "ApplicationDown"], labels: { severity: "critical" } },
    priority: 50,
    target: { label: "service" },
  },
  {
    name: "high-error-rate",
    match: { alertname: "HighErrorRate", labels: { namespace: "!*-dev" } },
    priority: 80,
    target: { label: "service" },
  },
  {
    name: "kube-pods",
    match: { alertname: "KubePod*", labels: { namespace: "platform-*" } },
    target: { label: "pod" },
  },
  {
    name: "any-host-down",
    match: { alertname: "*Down", labels: { team: "infra", severity: "critical" } },
    priority: -10,
    target: { label: "instance", pattern: "^([^:]+)" },
  },
  {
    name: "blackbox-unreachable",
    match: { alertname: "*Unreachable", labels: { job: "blackbox*" } },
    target: { label: "instance" },
  },
  {
    name: "certificate-expiry",
    match: { alertname: "*CertificateExpiring", labels: { severity: ["warning", "critical"] } },
    target: { label: "instance" },
  },
  {
    name: "cloud-throttling",
    match: { alertname: "*Throttled", labels: { cloud: "aws" } },
  },
  {
    name: "probe-failing",
    match: { alertname: "*ProbeFailing", labels: { env: "!staging" } },
    target: { label: "instance" },
  },
  {
    name: "database-down",
    match: { alertname: ["DatabaseDown", "PostgresqlDown"], labels: { role: "replica" } },
    priority: 100,
    target: { label: "instance", pattern: "^([^:]+)" },
  },
];

const SERVICES = [
  "Checkout",
  "Payments",
  "Search",
  "Catalog",
  "Inventory",
  "Shipping",
  "Billing",
  "Identity",
  "Gateway",
  "Orders",
  "Ledger",
  "Pricing",
  "Recommendations",
  "Notifications",
  "Media",
  "Reporting",
];
const SYMPTOMS = [
  "HighLatency",
  "ErrorBudgetBurn",
  "QueueBacklog",
  "ReplicasMismatch",
  "CacheMissRate",
  "DiskAlmostFull",
  "JobFailed",
  "SlowQueries",
  "Saturated",
  "CrashLooping",
];
const SEVERITIES = ["critical", "warning", "page"];

/** A small deterministic PRNG (mulberry32), so every run benchmarks the same sets. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)] as T;
}

/** Runbook `index` of the generated tail: one service of one team. */
function generated(index: number): Document {
  const next = random(index + 1);
  // One service per runbook: `Checkout17` is the 17th checkout-like service in the organisation.
  const service = `${pick(SERVICES, next)}${index}`;
  const kebab = service.replace(/([a-z])([A-Z0-9])/g, "$1-$2").toLowerCase();
  const roll = next();
  let alertname: string | string[];
  let kind: string;
  if (roll < 0.05) {
    alertname = `${service}*`;
    kind = "all";
  } else if (roll < 0.2) {
    const first = pick(SYMPTOMS, next);
    const second = pick(
      SYMPTOMS.filter((symptom) => symptom !== first),
      next,
    );
    alertname = [`${service}${first}`, `${service}${second}`];
    kind = "some";
  } else {
    const symptom = pick(SYMPTOMS, next);
    alertname = `${service}${symptom}`;
    kind = symptom.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
  }
  const labels: Record<string, string | string[]> = { severity: pick(SEVERITIES, next) };
  if (next() < 0.6) labels.namespace = `team-${index % 97}`;
  if (next() < 0.3) labels.env = next() < 0.5 ? "prod" : "!staging";
  if (next() < 0.2) labels.cluster = ["eu-*", "us-*"];
  return {
    name: `${kebab}-${kind}`,
    match: { alertname, labels },
    priority: Math.floor(next() * 5) * 10,
    target: { label: "instance", pattern: "^([^:]+)" },
  };
}

function toSource(document: Document, index: number): RunbookSource {
  const full = {
    ...document,
    description: `Generated runbook ${index} for the match benchmark`,
    owner: "@acme/bench",
    mode: "dry-run",
    guards: { cooldown: "10m", maxPerHour: 3 },
    steps: { remediate: [{ name: "restart", run: 'systemctl restart "$ALERT_LABEL_JOB"' }] },
  };
  return { file: `runbooks/${String(index).padStart(5, "0")}-${document.name}.yml`, text: stringify(full) };
}

/** The first `count` runbooks as YAML sources, ready for `buildRunbookSet`. */
export function generateRunbooks(count: number): RunbookSource[] {
  const sources: RunbookSource[] = [];
  for (let index = 0; index < count; index++) {
    sources.push(toSource(index < CORE.length ? (CORE[index] as Document) : generated(index), index));
  }
  return sources;
}

/**
 * `count` alerts as Alertmanager sends them: most hit a core runbook (some refused by a
 * label), some name their runbook or carry a wiki URL, some have no runbook at all.
 */
export function generateAlerts(count: number): MatchableAlert[] {
  const next = random(424242);
  const host = () => `web-${Math.floor(next() * 40)}.example.com:9113`;
  const makers: (() => MatchableAlert)[] = [
    () => ({
      labels: {
        alertname: "NginxDown",
        job: pick(["nginx", "nginx-edge", "haproxy"], next),
        severity: "critical",
        instance: host(),
      },
      annotations: { summary: "nginx is down", runbook: "https://wiki.example.com/runbooks/nginx" },
    }),
    () => ({
      labels: {
        alertname: pick(["ServiceDown", "ApplicationDown"], next),
        service: `svc-${Math.floor(next() * 30)}`,
        severity: pick(SEVERITIES, next),
        namespace: "shop",
      },
    }),
    () => ({
      labels: {
        alertname: "HighErrorRate",
        service: "checkout",
        namespace: pick(["shop", "shop-dev"], next),
        severity: "critical",
      },
      annotations: { automation_runbook: "high-error-rate" },
    }),
    () => ({
      labels: {
        alertname: pick(["KubePodCrashLooping", "KubePodNotReady", "KubeNodeNotReady"], next),
        namespace: pick(["platform-ingress", "shop"], next),
        pod: `api-${Math.floor(next() * 1e5)}`,
      },
    }),
    () => ({ labels: { alertname: "HostDown", team: "infra", severity: "critical", instance: host() } }),
    () => ({
      labels: {
        alertname: "BlackboxTargetUnreachable",
        job: "blackbox-http",
        instance: "https://shop.example.com",
      },
    }),
    () => ({
      labels: { alertname: "TLSCertificateExpiring", severity: "warning", instance: "shop.example.com:443" },
    }),
    () => ({
      labels: {
        alertname: "DatabaseDown",
        role: pick(["replica", "primary"], next),
        instance: "pg-orders-2:9187",
      },
    }),
    () => ({
      labels: {
        alertname: pick(["Watchdog", "InfoInhibitor", "TargetDown", "NodeFilesystemAlmostOutOfSpace"], next),
        severity: "none",
      },
    }),
    () => ({
      labels: {
        alertname: "HttpProbeFailing",
        env: pick(["prod", "staging"], next),
        instance: "https://api.example.com/healthz",
      },
    }),
  ];
  return Array.from({ length: count }, () => pick(makers, next)());
}
