/**
 * compose.yaml and the configuration it mounts from deploy/local/ (shared with `npm run demo`),
 * checked without a Docker engine: the services, loopback ports, volumes and secrets it needs;
 * every mounted file exists; the Prometheus and Alertmanager configurations pass promtool and
 * amtool laid out as the containers see them (each bind mount copied to its target path, so a
 * rule file mounted somewhere the configuration does not look fails); and they point at each
 * other and at the bridge by the service names and ports compose gives them.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../bridge/config.js";
import { AMTOOL_BIN } from "../harness/alertmanager.js";
import { PROMTOOL_BIN } from "../harness/prometheus.js";
import { bridgeVariables } from "./bridge-variables.js";
import { instructions, parseDockerfile, parseEnv, type Stage } from "./dockerfile.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
  read_only?: boolean;
  tmpfs?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { environment?: string; file?: string }>;
}

const compose = parse(readFileSync(join(root, "compose.yaml"), "utf8")) as Compose;
const service = (name: string) => compose.services[name] as Service;

/** `./a:/b:ro` → { source: "./a", target: "/b", bind: true }; `name:/b` → a named volume. */
function mounts(name: string) {
  return (service(name).volumes ?? []).map((entry) => {
    const [source = "", target = ""] = entry.split(":");
    return { source, target, bind: source.startsWith(".") || source.startsWith("/") };
  });
}

/** A service's bind mounts copied into a temporary root at their container paths. */
function containerView(name: string): string {
  const view = mkdtempSync(join(tmpdir(), `runbridge-compose-${name}-`));
  views.push(view);
  for (const mount of mounts(name).filter((entry) => entry.bind)) {
    const target = join(view, mount.target);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(root, mount.source), target, { recursive: true });
  }
  return view;
}
const views: string[] = [];
afterAll(() => {
  for (const view of views) rmSync(view, { recursive: true, force: true });
});

function flag(name: string, option: string): string {
  const value = service(name)
    .command?.find((argument) => argument.startsWith(`--${option}=`))
    ?.split("=")[1];
  expect(value, `${name}'s command sets --${option}`).toBeDefined();
  return value as string;
}

const prometheusConfig = parse(readFileSync(join(root, "deploy/local/prometheus.yml"), "utf8")) as {
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
};
const alertmanagerConfig = parse(readFileSync(join(root, "deploy/local/alertmanager.yml"), "utf8")) as {
  receivers: {
    name: string;
    webhook_configs?: {
      url: string;
      send_resolved?: boolean;
      http_config?: { authorization?: { credentials_file?: string } };
    }[];
  }[];
};

/** The port the bridge listens on in its image (the Dockerfile's PORT). */
const bridgePort = /\bPORT=(\d+)/.exec(readFileSync(join(root, "Dockerfile"), "utf8"))?.[1];

/**
 * Compose's interpolation of `${NAME}`, `${NAME:-default}` and `${NAME:?error}` against a shell
 * environment, for the values compose.yaml's environment blocks use.
 */
function interpolate(values: Record<string, string>, shell: Record<string, string>): Record<string, string> {
  const resolve = (value: string) =>
    value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest = "") => {
      const set = shell[name];
      if (set) return set;
      if (kind === "?") throw new Error(`compose refuses to start: ${rest}`);
      return kind === "-" ? rest : "";
    });
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, resolve(String(value))]));
}

describe("compose.yaml", () => {
  it("runs the bridge (built from this checkout, or the released image), Alertmanager and Prometheus", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["alertmanager", "prometheus", "runbridge"]);
    expect(service("runbridge").build).toBe(".");
    expect(service("runbridge").image).toMatch(/ghcr\.io\/runbridge\/runbridge:/);
    expect(service("alertmanager").image).toMatch(/^prom\/alertmanager:v\d+\.\d+\.\d+$/);
    expect(service("prometheus").image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
  });

  it("publishes each port on loopback only", () => {
    expect(bridgePort).toBe("9009");
    expect(service("runbridge").ports).toEqual([`127.0.0.1:9009:${bridgePort}`]);
    expect(service("alertmanager").ports).toEqual(["127.0.0.1:9093:9093"]);
    expect(service("prometheus").ports).toEqual(["127.0.0.1:9090:9090"]);
  });

  it("keeps the bridge's database, Alertmanager's silences and Prometheus's data on named volumes", () => {
    const named = (name: string, target: string) =>
      mounts(name).find((mount) => mount.target === target && !mount.bind)?.source;
    // /data: where the image keeps RUNBRIDGE_DB.
    expect(readFileSync(join(root, "Dockerfile"), "utf8")).toContain("RUNBRIDGE_DB=/data/runbridge.db");
    const volumes = [
      named("runbridge", "/data"),
      named("alertmanager", flag("alertmanager", "storage.path")),
      named("prometheus", flag("prometheus", "storage.tsdb.path")),
    ];
    for (const volume of volumes) expect(Object.keys(compose.volumes ?? {})).toContain(volume);
  });

  it("mounts only files that exist, and the repository's runbooks read-only", () => {
    for (const name of Object.keys(compose.services)) {
      for (const mount of mounts(name).filter((entry) => entry.bind)) {
        expect(existsSync(join(root, mount.source)), `${name} mounts ${mount.source}`).toBe(true);
      }
    }
    expect(service("runbridge").volumes).toContain("./runbooks:/app/runbooks:ro");
  });

  it("runs the bridge on a read-only root filesystem, requiring the Alertmanager token, in dry-run unless told", () => {
    const runbridge = service("runbridge");
    expect(runbridge.read_only).toBe(true);
    expect(runbridge.tmpfs).toEqual(["/tmp"]);
    expect(runbridge.environment?.RUNBRIDGE_ALERTMANAGER_TOKEN).toMatch(
      /^\$\{RUNBRIDGE_ALERTMANAGER_TOKEN:\?/,
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's interpolation, not a JS template
    expect(runbridge.environment?.RUNBRIDGE_DRY_RUN).toBe("${RUNBRIDGE_DRY_RUN:-true}");
    const known = bridgeVariables();
    for (const name of Object.keys(runbridge.environment ?? {})) {
      expect(known.has(name), `${name} is not a variable bridge/config.ts reads`).toBe(true);
    }
  });

  it("starts a bridge whose configuration loads: the image's environment plus compose's, interpolated", () => {
    const image = parseDockerfile(readFileSync(join(root, "Dockerfile"), "utf8")).stages.at(-1);
    const imageEnv = Object.assign(
      {},
      ...instructions(image as Stage, "ENV").map((env) => parseEnv(env.args)),
    );
    const env = {
      ...imageEnv,
      ...interpolate(service("runbridge").environment ?? {}, { RUNBRIDGE_ALERTMANAGER_TOKEN: "t" }),
    };
    const config = loadConfig(env);
    expect(config).toMatchObject({ host: "0.0.0.0", port: 9009, dbFile: "/data/runbridge.db", dryRun: true });
    expect(config.runbooksDir).toBe("/app/runbooks");
    expect(config.alertmanagerUrls).toEqual(["http://alertmanager:9093"]);
    expect(() => interpolate(service("runbridge").environment ?? {}, {})).toThrow(
      /set RUNBRIDGE_ALERTMANAGER_TOKEN/,
    );
  });

  it("gives Alertmanager the bridge's token as the file its receiver reads", () => {
    const [secret] = service("alertmanager").secrets ?? [];
    expect(compose.secrets?.[secret as string]).toEqual({ environment: "RUNBRIDGE_ALERTMANAGER_TOKEN" });
    const webhook = alertmanagerConfig.receivers.find((receiver) => receiver.name === "runbridge")
      ?.webhook_configs?.[0];
    expect(webhook?.http_config?.authorization?.credentials_file).toBe(`/run/secrets/${secret}`);
  });

  it("points Alertmanager at the bridge's webhook, with resolved notifications", () => {
    const webhook = alertmanagerConfig.receivers.find((receiver) => receiver.name === "runbridge")
      ?.webhook_configs?.[0];
    expect(webhook?.url).toBe(`http://runbridge:${bridgePort}/webhook/alertmanager`);
    expect(webhook?.send_resolved).toBe(true);
  });

  it("points Prometheus at Alertmanager and scrapes the jobs the shipped rules name", () => {
    expect(prometheusConfig.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual([
      "alertmanager:9093",
    ]);
    const targets = Object.fromEntries(
      prometheusConfig.scrape_configs.map((job) => [job.job_name, job.static_configs[0]?.targets]),
    );
    expect(targets.runbridge).toEqual([`runbridge:${bridgePort}`]);
    expect(targets.alertmanager).toEqual(["alertmanager:9093"]);
    const rules = readFileSync(join(root, "docs/prometheus/runbridge.rules.yml"), "utf8");
    expect(rules).toContain('up{job="runbridge"}');
    expect(rules).toContain('up{job=~"alertmanager.*"}');
  });

  it("gives Prometheus a configuration that passes promtool check config, rules included, as mounted", async () => {
    const view = containerView("prometheus");
    const { stdout } = await run(PROMTOOL_BIN, [
      "check",
      "config",
      join(view, flag("prometheus", "config.file")),
    ]);
    expect(stdout).toContain(`SUCCESS: ${prometheusConfig.rule_files.length} rule files found`);
    expect(stdout).toMatch(/runbridge\.rules\.yml\s+SUCCESS: \d+ rules found/);
    expect(stdout).toMatch(/watchdog\.rules\.yml\s+SUCCESS: 1 rules found/);
  });

  it("gives Alertmanager a configuration that passes amtool check-config, as mounted", async () => {
    const view = containerView("alertmanager");
    const { stdout } = await run(AMTOOL_BIN, [
      "check-config",
      join(view, flag("alertmanager", "config.file")),
    ]);
    expect(stdout).toContain("SUCCESS");
    expect(stdout).toContain("1 receivers");
  });
});
