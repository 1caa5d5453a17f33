/**
 * @module
 * The demo's Prometheus and Alertmanager configurations, rendered from the files compose.yaml
 * mounts (deploy/local/): the compose service names become loopback addresses, the token file
 * the demo's own, rule files absolute paths, and the intervals demo-sized. One source, so the
 * demo and compose never drift; a compose name the demo does not know is an error, not a
 * silently broken config.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const LOCAL_PROMETHEUS = `${REPO_ROOT}deploy/local/prometheus.yml`;
export const LOCAL_ALERTMANAGER = `${REPO_ROOT}deploy/local/alertmanager.yml`;
/** Where compose.yaml mounts each rule file the shared prometheus.yml names. */
const RULE_FILES: Record<string, string> = {
  "runbridge.rules.yml": `${REPO_ROOT}docs/prometheus/runbridge.rules.yml`,
  "watchdog.rules.yml": `${REPO_ROOT}deploy/local/watchdog.rules.yml`,
};
export const DEMO_RULES = `${REPO_ROOT}demo/prometheus/demo.rules.yml`;
/** compose.yaml mounts the token here (secrets: runbridge_alertmanager_token). */
const COMPOSE_TOKEN_FILE = "/run/secrets/runbridge_alertmanager_token";

/** Loopback host:port of each compose service. */
export interface DemoAddresses {
  runbridge: string;
  alertmanager: string;
  prometheus: string;
  demoService: string;
}

export interface DemoTimings {
  /** Prometheus scrape and rule evaluation interval. */
  interval: string;
  groupWait: string;
  groupInterval: string;
}

type Yaml = Record<string, unknown>;

/** Replaces `service:port` in every string of a parsed document; any compose name left over throws. */
function toLoopback(value: unknown, names: Record<string, string>, file: string): unknown {
  if (typeof value === "string") {
    let out = value;
    for (const [from, to] of Object.entries(names)) out = out.replaceAll(from, to);
    const left = /\b(runbridge|alertmanager|prometheus):\d+/.exec(out);
    if (left) {
      throw new Error(
        `${file} names ${left[0]}, which the demo does not map to loopback; add it to demo/configs.ts`,
      );
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((item) => toLoopback(item, names, file));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, toLoopback(item, names, file)]),
    );
  }
  return value;
}

/** deploy/local/prometheus.yml on loopback, plus the demo service's scrape job and alert rule. */
export function renderPrometheusConfig(addresses: DemoAddresses, timings: DemoTimings): string {
  const doc = toLoopback(
    parse(readFileSync(LOCAL_PROMETHEUS, "utf8")),
    {
      "runbridge:9009": addresses.runbridge,
      "alertmanager:9093": addresses.alertmanager,
      "localhost:9090": addresses.prometheus,
    },
    LOCAL_PROMETHEUS,
  ) as Yaml;
  const ruleFiles = (doc.rule_files as string[]).map((name) => {
    const path = RULE_FILES[name];
    if (!path) throw new Error(`${LOCAL_PROMETHEUS} loads ${name}; add where it lives to demo/configs.ts`);
    return path;
  });
  return stringify({
    ...doc,
    global: {
      ...(doc.global as Yaml),
      scrape_interval: timings.interval,
      scrape_timeout: timings.interval,
      evaluation_interval: timings.interval,
    },
    rule_files: [...ruleFiles, DEMO_RULES],
    scrape_configs: [
      ...(doc.scrape_configs as Yaml[]),
      { job_name: "demo-service", static_configs: [{ targets: [addresses.demoService] }] },
    ],
  });
}

/** deploy/local/alertmanager.yml (or `source`) on loopback, reading the token from `tokenFile`. */
export function renderAlertmanagerConfig(
  addresses: DemoAddresses,
  timings: DemoTimings,
  tokenFile: string,
  source = LOCAL_ALERTMANAGER,
): string {
  const text = readFileSync(source, "utf8");
  if (!text.includes(COMPOSE_TOKEN_FILE)) {
    throw new Error(`${source} no longer reads ${COMPOSE_TOKEN_FILE}; update demo/configs.ts`);
  }
  const doc = toLoopback(
    parse(text.replaceAll(COMPOSE_TOKEN_FILE, tokenFile)),
    { "runbridge:9009": addresses.runbridge },
    source,
  ) as Yaml;
  const retime = (route: Yaml): Yaml => ({
    ...route,
    ...("group_wait" in route ? { group_wait: timings.groupWait } : {}),
    ...("group_interval" in route ? { group_interval: timings.groupInterval } : {}),
    ...(Array.isArray(route.routes) ? { routes: (route.routes as Yaml[]).map(retime) } : {}),
  });
  return stringify({ ...doc, route: retime(doc.route as Yaml) });
}
