/**
 * The demo's Prometheus and Alertmanager configurations are deploy/local/'s (shared with
 * compose.yaml), rendered onto loopback: promtool and amtool accept them, every compose
 * service name is replaced, the shared scrape jobs, routes and receiver settings are kept, and
 * a compose name the demo does not know fails loudly instead of yielding a broken config. A
 * missing Debian binary names its package.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  LOCAL_ALERTMANAGER,
  LOCAL_PROMETHEUS,
  renderAlertmanagerConfig,
  renderPrometheusConfig,
} from "../../demo/configs.js";
import { TIMINGS } from "../../demo/start.js";
import { REPO_ROOT } from "../e2e/support.js";
import { AMTOOL_BIN } from "../harness/alertmanager.js";
import { PROMTOOL_BIN } from "../harness/prometheus.js";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "runbridge-demo-configs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const addresses = {
  runbridge: "127.0.0.1:40001",
  alertmanager: "127.0.0.1:40002",
  prometheus: "127.0.0.1:40003",
  demoService: "127.0.0.1:40004",
};
type Yaml = Record<string, unknown>;

describe("the demo's configurations, rendered from deploy/local/", () => {
  it("Prometheus: promtool accepts it; the shared jobs on loopback, plus the demo service and its rule", async () => {
    const file = join(dir, "prometheus.yml");
    const text = renderPrometheusConfig(addresses, TIMINGS.fast);
    writeFileSync(file, text);
    const { stdout } = await run(PROMTOOL_BIN, ["check", "config", file]);
    expect(stdout).toContain("SUCCESS");
    expect(text).not.toMatch(/\b(runbridge|alertmanager):9\d\d\d|localhost:9090/);

    const shared = parse(readFileSync(LOCAL_PROMETHEUS, "utf8")) as {
      scrape_configs: { job_name: string }[];
    };
    const config = parse(text) as {
      global: Yaml;
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    expect(config.scrape_configs.map((job) => job.job_name)).toEqual([
      ...shared.scrape_configs.map((job) => job.job_name),
      "demo-service",
    ]);
    const targets = Object.fromEntries(
      config.scrape_configs.map((j) => [j.job_name, j.static_configs[0]?.targets]),
    );
    expect(targets).toMatchObject({
      runbridge: [addresses.runbridge],
      alertmanager: [addresses.alertmanager],
      prometheus: [addresses.prometheus],
      "demo-service": [addresses.demoService],
    });
    expect(config.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual([addresses.alertmanager]);
    expect(config.rule_files.map((path) => path.replace(REPO_ROOT, ""))).toEqual([
      "/docs/prometheus/runbridge.rules.yml",
      "/deploy/local/watchdog.rules.yml",
      "/demo/prometheus/demo.rules.yml",
    ]);
    expect(config.global).toMatchObject({ scrape_interval: "1s", evaluation_interval: "1s" });
  });

  it("Alertmanager: amtool accepts it; the shared routes, with the bridge on loopback and the demo's token file", async () => {
    const file = join(dir, "alertmanager.yml");
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, "t0ken", { mode: 0o600 });
    const text = renderAlertmanagerConfig(addresses, TIMINGS.normal, tokenFile);
    writeFileSync(file, text);
    const { stdout } = await run(AMTOOL_BIN, ["check-config", file]);
    expect(stdout).toContain("SUCCESS");

    const shared = parse(readFileSync(LOCAL_ALERTMANAGER, "utf8")) as {
      route: Yaml & { routes: Yaml[] };
      receivers: { webhook_configs: Yaml[] }[];
    };
    const config = parse(text) as typeof shared;
    const webhook = config.receivers[0]?.webhook_configs[0];
    expect(webhook).toEqual({
      ...shared.receivers[0]?.webhook_configs[0],
      url: `http://${addresses.runbridge}/webhook/alertmanager`,
      http_config: { authorization: { type: "Bearer", credentials_file: tokenFile } },
    });
    expect(config.route).toEqual({
      ...shared.route,
      group_wait: TIMINGS.normal.groupWait,
      group_interval: TIMINGS.normal.groupInterval,
    });
  });

  it("a compose service name the demo does not map is an error naming it", () => {
    const original = readFileSync(LOCAL_ALERTMANAGER, "utf8");
    const changed = original.replace("http://runbridge:9009/", "http://runbridge:9010/");
    expect(changed).not.toBe(original);
    const file = join(dir, "changed-alertmanager.yml");
    writeFileSync(file, changed);
    expect(() => renderAlertmanagerConfig(addresses, TIMINGS.fast, "/t", file)).toThrow(
      `${file} names runbridge:9010, which the demo does not map to loopback; add it to demo/configs.ts`,
    );
  });

  it("npm run demo without Prometheus installed says which Debian package to install", async () => {
    const failure = await run(process.execPath, ["--import", "tsx", "demo/main.ts", "--fast"], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PROMETHEUS_BIN: join(dir, "no-prometheus"),
        RUNBRIDGE_DEMO_STATE: join(dir, "s.json"),
      },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      `prometheus: ${join(dir, "no-prometheus")} is not there; install the Debian package prometheus (sudo apt-get install prometheus) or set PROMETHEUS_BIN to its path`,
    );
    expect(failure?.stderr).not.toContain("alertmanager:");
  });
});
