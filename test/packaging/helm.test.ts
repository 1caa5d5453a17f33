/**
 * The Helm chart (deploy/helm/runbridge), with the real helm (`npm run setup:test` installs it):
 * `helm lint --strict` and `helm template` with the default values (SQLite: a StatefulSet with a
 * volume) and with a database URL and replicas (a Deployment), every rendered object checked
 * against the Kubernetes schemas (kubernetes-models, offline) and decoded strictly into the API's
 * Go types (test/packaging/kube-strict: unknown fields refused), and what the chart promises read
 * from the rendered objects: probes, a non-root read-only pod, Secret references by the
 * variables bridge/config.ts reads, and a PrometheusRule equal to docs/prometheus/runbridge.rules.yml.
 */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { loadConfig } from "../../bridge/config.js";
import { findOnPath } from "../act/find-tool.js";
import { bridgeVariables } from "./bridge-variables.js";
import { type Manifest, validateManifest } from "./kubernetes-schemas.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const CHART = join(root, "deploy/helm/runbridge");

/** helm on PATH, else where `go install` put it (scripts/setup-test-deps.sh). */
function findHelm(): string {
  const found = process.env.HELM_BIN ?? findOnPath("helm");
  if (found) return found;
  let gopath = "";
  try {
    gopath = execFileSync("go", ["env", "GOPATH"], { encoding: "utf8" }).trim();
  } catch {
    // no go either: reported below
  }
  const installed = join(gopath, "bin/helm");
  if (gopath && existsSync(installed)) return installed;
  throw new Error("helm is not installed: run `npm run setup:test` (go install helm.sh/helm/v3/cmd/helm)");
}
const HELM = findHelm();

interface Container {
  name: string;
  image: string;
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
  }[];
  envFrom?: { configMapRef?: { name: string } }[];
  livenessProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  startupProbe?: { httpGet?: { path: string; port: string } };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  securityContext?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
  containers: Container[];
  volumes?: { name: string }[];
}
interface Workload extends Manifest {
  spec: {
    replicas: number;
    template: { spec: PodSpec };
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
}

async function helm(...args: string[]) {
  return run(HELM, args, { cwd: root });
}

/** `helm template`'s output. */
async function template(...sets: string[]): Promise<string> {
  const { stdout } = await helm(
    "template",
    "rb",
    CHART,
    "--namespace",
    "ops",
    ...sets.flatMap((set) => ["--set", set]),
  );
  return stdout;
}

/** `helm template` → the rendered objects. */
async function render(...sets: string[]): Promise<Manifest[]> {
  return parseAllDocuments(await template(...sets))
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

/**
 * test/packaging/kube-strict, built once: the rendered YAML decoded into the API's Go types
 * with unknown fields refused, as the API server's strict field validation does (the JSON
 * schemas above allow unknown fields, so a misspelt key would pass them).
 */
const kubeStrictDir = mkdtempSync(join(tmpdir(), "runbridge-kube-strict-"));
const KUBE_STRICT = join(kubeStrictDir, "kube-strict");
afterAll(() => rmSync(kubeStrictDir, { recursive: true, force: true }));

function kubeStrict(stream: string) {
  const result = spawnSync(KUBE_STRICT, [], { input: stream, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function only<T extends Manifest>(manifests: Manifest[], kind: string): T {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  expect(
    found.map((manifest) => manifest.metadata.name),
    `one ${kind}`,
  ).toHaveLength(1);
  return found[0] as T;
}

function container(workload: Workload): Container {
  return workload.spec.template.spec.containers[0] as Container;
}

function secretEnv(workload: Workload) {
  return Object.fromEntries(
    (container(workload).env ?? []).map((variable) => [variable.name, variable.valueFrom?.secretKeyRef]),
  );
}

const DATABASE = ["database.url=postgres://runbridge:pw@db.ops:5432/runbridge", "replicaCount=3"];
const MONITORING = [
  "serviceMonitor.enabled=true",
  "serviceMonitor.authorization=true",
  "prometheusRule.enabled=true",
];

describe("deploy/helm/runbridge", () => {
  let defaults: Manifest[];
  let replicated: Manifest[];

  beforeAll(async () => {
    [defaults, replicated] = await Promise.all([render(), render(...DATABASE, ...MONITORING)]);
    // Seconds with a warm Go build cache (setup:test warms it); a minute or two cold.
    await run("go", ["build", "-o", KUBE_STRICT, "."], { cwd: join(root, "test/packaging/kube-strict") });
  }, 300_000);

  it.each([
    ["the default values", [] as string[]],
    ["a database URL and replicas", [...DATABASE, ...MONITORING]],
  ])("passes helm lint --strict with %s", async (_, sets) => {
    const { stdout } = await helm("lint", "--strict", CHART, ...sets.flatMap((set) => ["--set", set]));
    expect(stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
  });

  it("refuses misspelt or mistyped values before rendering anything (values.schema.json)", async () => {
    await expect(render("replicaCont=3")).rejects.toThrow(/additional properties 'replicaCont' not allowed/);
    await expect(render("database.url=mysql://db/runbridge")).rejects.toThrow(/\/database\/url/);
    await expect(render("replicaCount=0")).rejects.toThrow(/\/replicaCount/);
  });

  it("runs the image of package.json's version by default (one version per release: docs/releasing.md)", () => {
    const chart = parse(readFileSync(join(CHART, "Chart.yaml"), "utf8")) as { appVersion: string };
    const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    expect(chart.appVersion).toBe(packageJson.version);
    expect(container(only<Workload>(defaults, "StatefulSet")).image).toBe(
      `ghcr.io/runbridge/runbridge:${packageJson.version}`,
    );
  });

  it("renders only objects that match the Kubernetes schemas, in both modes", async () => {
    expect(defaults.map((manifest) => manifest.kind).sort()).toEqual(
      ["ConfigMap", "NetworkPolicy", "Service", "ServiceAccount", "StatefulSet"].sort(),
    );
    expect(replicated.map((manifest) => manifest.kind).sort()).toEqual(
      [
        "ConfigMap",
        "Deployment",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "PrometheusRule",
        "Secret",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
      ].sort(),
    );
    for (const manifest of [...defaults, ...replicated]) await validateManifest(manifest);
  });

  it("renders only fields the API knows, in both modes, decoded strictly into the API's Go types", async () => {
    for (const sets of [[], [...DATABASE, ...MONITORING]]) {
      const { status, output } = kubeStrict(await template(...sets));
      expect(output).not.toContain("REFUSED");
      expect(status).toBe(0);
      expect(output.trim().split("\n")).toHaveLength(sets.length === 0 ? defaults.length : replicated.length);
    }
  });

  it("refuses a misspelt field that the JSON schemas let through", async () => {
    const misspelt = await template("securityContext.readOnlyRootFileSystem=true");
    const statefulSet = parseAllDocuments(misspelt)
      .map((document) => document.toJS() as Manifest)
      .find((manifest) => manifest?.kind === "StatefulSet") as Manifest;
    await validateManifest(statefulSet);
    const { status, output } = kubeStrict(misspelt);
    expect(status).toBe(1);
    expect(output).toContain(
      'REFUSED StatefulSet/rb-runbridge (apps/v1): unknown field "spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem"',
    );
  });

  it("has a validator that rejects what the API server would", async () => {
    const statefulSet = only<Workload>(defaults, "StatefulSet");
    await expect(
      validateManifest({
        ...statefulSet,
        spec: { ...statefulSet.spec, replicas: "one" },
      } as unknown as Manifest),
    ).rejects.toThrow(/StatefulSet\/rb-runbridge .* does not match the Kubernetes schema/);
    const service = only(defaults, "Service") as Manifest & { spec: { ports: { port: number }[] } };
    await expect(
      validateManifest({
        ...service,
        spec: { ...service.spec, ports: [{ port: "http" }] },
      } as unknown as Manifest),
    ).rejects.toThrow(/does not match the Kubernetes schema/);
    await expect(validateManifest({ ...service, kind: "Servise" })).rejects.toThrow(/no schema/);
  });

  describe("with the default values: SQLite", () => {
    it("runs one pod as a StatefulSet with the database file on a volume claim", () => {
      const statefulSet = only<Workload>(defaults, "StatefulSet");
      expect(statefulSet.spec.replicas).toBe(1);
      expect(statefulSet.spec.volumeClaimTemplates?.map((claim) => claim.metadata.name)).toEqual(["data"]);
      expect(container(statefulSet).volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
      const config = only(defaults, "ConfigMap") as Manifest & { data: Record<string, string> };
      expect(config.data.RUNBRIDGE_DB).toBe("/data/runbridge.db");
      expect(secretEnv(statefulSet)).not.toHaveProperty("RUNBRIDGE_DATABASE_URL");
      expect(defaults.some((manifest) => manifest.kind === "Deployment")).toBe(false);
    });

    it("starts in dry-run, listening beyond loopback with the Alertmanager token required", () => {
      const config = only(defaults, "ConfigMap") as Manifest & { data: Record<string, string> };
      expect(config.data).toMatchObject({ HOST: "0.0.0.0", PORT: "9009", RUNBRIDGE_DRY_RUN: "true" });
      const token = secretEnv(only<Workload>(defaults, "StatefulSet")).RUNBRIDGE_ALERTMANAGER_TOKEN;
      expect(token).toEqual({ name: "rb-runbridge", key: "alertmanager-token", optional: false });
    });
  });

  describe("the bridge's configuration from the rendered ConfigMap and Secret references", () => {
    /** The environment the chart gives the pod: the ConfigMap, and the Secret's keys it references. */
    function podEnv(manifests: Manifest[], secret: Record<string, string>) {
      const config = only(manifests, "ConfigMap") as Manifest & { data: Record<string, string> };
      const refs = secretEnv(only<Workload>(manifests, "StatefulSet"));
      const fromSecret = Object.fromEntries(
        Object.entries(refs)
          .filter(([, ref]) => ref && secret[ref.key] !== undefined)
          .map(([name, ref]) => [name, secret[ref?.key as string] as string]),
      );
      return { ...config.data, ...fromSecret };
    }

    it("loads in dry-run with only the Alertmanager token in the Secret", () => {
      const config = loadConfig(podEnv(defaults, { "alertmanager-token": "t" }));
      expect(config).toMatchObject({
        host: "0.0.0.0",
        port: 9009,
        dbFile: "/data/runbridge.db",
        dryRun: true,
      });
      expect(config.alertmanagerAuth).toEqual({ kind: "bearer", secret: "t" });
    });

    it("loads with the GitHub App from the Secret once dry-run is off and the repository set", async () => {
      const manifests = await render("config.GITHUB_REPOSITORY=acme/ops", "config.RUNBRIDGE_DRY_RUN=false");
      const config = loadConfig(
        podEnv(manifests, {
          "alertmanager-token": "t",
          "github-app-id": "123",
          "github-app-installation-id": "456",
          "github-app-private-key": "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----",
          "github-webhook-secret": "w",
        }),
      );
      expect(config.dryRun).toBe(false);
      expect(config.github).toMatchObject({
        owner: "acme",
        repo: "ops",
        auth: { kind: "app", installationId: 456 },
      });
      expect(config.githubWebhookSecret).toBe("w");
    });
  });

  describe("with a database URL: PostgreSQL", () => {
    it("runs the replicas asked for as a Deployment, with no SQLite volume", () => {
      const deployment = only<Workload>(replicated, "Deployment");
      expect(deployment.spec.replicas).toBe(3);
      expect(replicated.some((manifest) => manifest.kind === "StatefulSet")).toBe(false);
      expect(container(deployment).volumeMounts?.map((mount) => mount.mountPath)).not.toContain("/data");
      const config = only(replicated, "ConfigMap") as Manifest & { data: Record<string, string> };
      expect(config.data).not.toHaveProperty("RUNBRIDGE_DB");
    });

    it("keeps one replica through node drains, and has no budget for a single replica", async () => {
      const budget = only(replicated, "PodDisruptionBudget") as Manifest & {
        spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
      };
      expect(budget.spec.minAvailable).toBe(1);
      expect(budget.spec.selector.matchLabels).toEqual({
        "app.kubernetes.io/name": "runbridge",
        "app.kubernetes.io/instance": "rb",
      });
      const single = await render(DATABASE[0] as string, "replicaCount=1");
      expect(single.some((manifest) => manifest.kind === "PodDisruptionBudget")).toBe(false);
      expect(defaults.some((manifest) => manifest.kind === "PodDisruptionBudget")).toBe(false);
    });

    it("passes the URL as RUNBRIDGE_DATABASE_URL from a Secret, never in the pod spec", () => {
      const deployment = only<Workload>(replicated, "Deployment");
      expect(secretEnv(deployment).RUNBRIDGE_DATABASE_URL).toEqual({
        name: "rb-runbridge-database",
        key: "database-url",
      });
      const secret = only(replicated, "Secret") as Manifest & { stringData: Record<string, string> };
      expect(secret.metadata.name).toBe("rb-runbridge-database");
      expect(secret.stringData).toEqual({ "database-url": "postgres://runbridge:pw@db.ops:5432/runbridge" });
      expect(JSON.stringify(deployment)).not.toContain("postgres://");
    });

    it("uses an existing Secret for the URL without creating one", async () => {
      const manifests = await render("database.existingSecret=pg", "database.existingSecretKey=url");
      expect(manifests.some((manifest) => manifest.kind === "Secret")).toBe(false);
      const deployment = only<Workload>(manifests, "Deployment");
      expect(deployment.spec.replicas).toBe(2);
      expect(secretEnv(deployment).RUNBRIDGE_DATABASE_URL).toEqual({ name: "pg", key: "url" });
    });

    it("lets the pods reach the database port", () => {
      const policy = only(replicated, "NetworkPolicy") as Manifest & {
        spec: { egress: { ports: { port: number | string }[] }[] };
      };
      expect(policy.spec.egress.flatMap((rule) => rule.ports.map((port) => port.port))).toEqual([
        53, 53, 443, 5432,
      ]);
    });
  });

  describe.each([
    ["StatefulSet", () => only<Workload>(defaults, "StatefulSet")],
    ["Deployment", () => only<Workload>(replicated, "Deployment")],
  ])("the %s's pod", (_, workload) => {
    it("probes /healthz for liveness and start-up, /readyz for readiness, on the bridge's port", () => {
      const bridge = container(workload());
      expect(bridge.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
      expect(bridge.startupProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
      expect(bridge.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    });

    it("runs as the image's non-root user on a read-only root filesystem, with a writable /tmp", () => {
      const pod = workload().spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001 });
      expect(readFileSync(join(root, "Dockerfile"), "utf8")).toContain("USER 10001:10001");
      expect(container(workload()).securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(container(workload()).volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
      expect(pod.automountServiceAccountToken).toBe(false);
    });

    it("sets only variables the bridge reads, the credentials from Secret references", () => {
      const known = bridgeVariables();
      const bridge = container(workload());
      for (const variable of bridge.env ?? []) {
        expect(known.has(variable.name), `${variable.name} is not read by bridge/config.ts`).toBe(true);
        expect(variable.value, `${variable.name} must come from a Secret`).toBeUndefined();
        expect(variable.valueFrom?.secretKeyRef?.name).toBeTruthy();
      }
      const names = (bridge.env ?? []).map((variable) => variable.name);
      for (const credential of [
        "GITHUB_APP_ID",
        "GITHUB_APP_INSTALLATION_ID",
        "GITHUB_APP_PRIVATE_KEY",
        "GITHUB_WEBHOOK_SECRET",
        "RUNBRIDGE_ALERTMANAGER_TOKEN",
      ]) {
        expect(names).toContain(credential);
      }
      const manifests = workload().kind === "StatefulSet" ? defaults : replicated;
      const config = only(manifests, "ConfigMap") as Manifest & { data: Record<string, string> };
      for (const name of Object.keys(config.data)) {
        expect(known.has(name), `ConfigMap key ${name} is not read by bridge/config.ts`).toBe(true);
      }
    });
  });

  describe("monitoring", () => {
    it("builds the PrometheusRule from docs/prometheus/runbridge.rules.yml, unchanged", () => {
      const shipped = parse(readFileSync(join(root, "docs/prometheus/runbridge.rules.yml"), "utf8")) as {
        groups: unknown[];
      };
      const rule = only(replicated, "PrometheusRule") as Manifest & { spec: { groups: unknown[] } };
      expect(rule.spec.groups).toEqual(shipped.groups);
      expect(JSON.stringify(rule.spec)).toContain("{{ $labels.instance }}");
    });

    it("keeps the rules when the chart is packaged (the link is followed into the archive)", async () => {
      const out = mkdtempSync(join(tmpdir(), "runbridge-chart-"));
      try {
        await helm("package", CHART, "--destination", out);
        const chart = parse(readFileSync(join(CHART, "Chart.yaml"), "utf8")) as { version: string };
        const archive = join(out, `runbridge-${chart.version}.tgz`);
        const { stdout } = await helm("template", "rb", archive, "--set", "prometheusRule.enabled=true");
        const rule = parseAllDocuments(stdout)
          .map((document) => document.toJS() as Manifest & { spec: { groups: unknown[] } })
          .find((manifest) => manifest?.kind === "PrometheusRule");
        const shipped = parse(readFileSync(join(root, "docs/prometheus/runbridge.rules.yml"), "utf8")) as {
          groups: unknown[];
        };
        expect(rule?.spec.groups).toEqual(shipped.groups);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });

    it("scrapes /metrics with the metrics token, naming the job runbridge as the rules expect", () => {
      const monitor = only(replicated, "ServiceMonitor") as Manifest & {
        spec: {
          jobLabel: string;
          selector: { matchLabels: Record<string, string> };
          endpoints: Record<string, unknown>[];
        };
      };
      const service = only(replicated, "Service") as Manifest & {
        metadata: { labels: Record<string, string> };
      };
      expect(service.metadata.labels[monitor.spec.jobLabel]).toBe("runbridge");
      expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
      expect(monitor.spec.endpoints).toEqual([
        {
          port: "http",
          path: "/metrics",
          interval: "30s",
          authorization: { type: "Bearer", credentials: { name: "rb-runbridge", key: "metrics-token" } },
        },
      ]);
    });
  });
});
