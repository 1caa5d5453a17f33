// Launches the real Prometheus on loopback, scraping given targets, evaluating given alert rules
// and sending alerts to given Alertmanagers — the complete upstream half of the alert flow.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort, LOOPBACK, waitForHttp } from "./ports.js";
import { type ManagedProcess, makeTempDir, removeTempDir, startProcess } from "./processes.js";

export { type MetricsTarget, startMetricsTarget } from "./metrics-target.js";

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? "/usr/bin/promtool";

export interface ScrapeTarget {
  job: string;
  /** "127.0.0.1:port" entries. */
  targets: string[];
  metricsPath?: string;
}

export interface PrometheusOptions {
  scrapeTargets: ScrapeTarget[];
  /** Paths of existing rule files. */
  ruleFiles?: string[];
  /** A rule file's content (YAML), written into the temp dir and loaded as well. */
  rules?: string;
  /** Alertmanager base URLs (member.url); every one gets every alert, as in production HA setups. */
  alertmanagers?: string[];
  /** Prometheus durations; "1s" by default so a rule fires within a couple of seconds. */
  scrapeInterval?: string;
  evaluationInterval?: string;
  readyTimeoutMs?: number;
}

export interface PrometheusInstance {
  url: string;
  configFile: string;
  process: ManagedProcess;
  close(): Promise<void>;
}

/** The prometheus.yml the launcher writes (rule file paths as given); exported for `promtool check config`. */
export function renderPrometheusConfig(options: PrometheusOptions, ruleFiles: string[]): string {
  const scrapeInterval = options.scrapeInterval ?? "1s";
  return stringify({
    global: {
      scrape_interval: scrapeInterval,
      // The default 10s timeout is rejected when it exceeds the scrape interval.
      scrape_timeout: scrapeInterval,
      evaluation_interval: options.evaluationInterval ?? "1s",
    },
    rule_files: ruleFiles,
    scrape_configs: options.scrapeTargets.map((t) => ({
      job_name: t.job,
      metrics_path: t.metricsPath ?? "/metrics",
      static_configs: [{ targets: t.targets }],
    })),
    alerting: {
      alertmanagers: (options.alertmanagers ?? []).map((raw) => {
        const u = new URL(raw);
        return {
          api_version: "v2",
          scheme: u.protocol.replace(":", ""),
          path_prefix: u.pathname === "/" ? undefined : u.pathname,
          static_configs: [{ targets: [u.host] }],
        };
      }),
    },
  });
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusInstance> {
  const dir = await makeTempDir("prometheus");
  const ruleFiles = [...(options.ruleFiles ?? [])];
  if (options.rules !== undefined) {
    const file = join(dir, "rules.yml");
    await writeFile(file, options.rules);
    ruleFiles.push(file);
  }
  const configFile = join(dir, "prometheus.yml");
  await writeFile(configFile, renderPrometheusConfig(options, ruleFiles));

  const port = await freePort();
  const url = `http://${LOOPBACK}:${port}`;
  const proc = startProcess({
    name: "prometheus",
    command: PROMETHEUS_BIN,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=${LOOPBACK}:${port}`,
      `--web.external-url=${url}`,
      // Default 1m: a firing alert would reach Alertmanager only once a minute after the first send,
      // and its endsAt (4 x resend delay) would be minutes away. 1s keeps the flow test-sized.
      "--rules.alert.resend-delay=1s",
    ],
    logDir: dir,
  });
  const close = async () => {
    await proc.close();
    await removeTempDir(dir);
  };
  try {
    await proc.waitUntil(() => waitForHttp(`${url}/-/ready`, { timeoutMs: 1_000 }), {
      what: `${url}/-/ready`,
      timeoutMs: options.readyTimeoutMs ?? 20_000,
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { url, configFile, process: proc, close };
}
