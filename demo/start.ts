/**
 * @module
 * Starts the whole loop on one machine, each part on a free loopback port, and stops it again:
 * the demo service (under a supervisor), the bridge (startBridge, dry-run off), the GitHub API
 * emulator standing in for GitHub (with the remediate workflow played by workflow-player.ts),
 * and the real Alertmanager and Prometheus on configurations rendered from deploy/local/.
 * A start that fails halfway stops what it started. Nothing here reads process.env except the
 * binaries' paths (test/harness) and the runner environment handed to the Action's steps.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningBridge, startBridge } from "../bridge/main.js";
import type { AuditEvent } from "../bridge/store/audit.js";
import { createGitHubEmulator, type GitHubEmulator } from "../test/github-emulator/index.js";
import { ALERTMANAGER_BIN } from "../test/harness/alertmanager.js";
import { freePort, LOOPBACK, waitForHttp } from "../test/harness/ports.js";
import { type ManagedProcess, startProcess } from "../test/harness/processes.js";
import { PROMETHEUS_BIN } from "../test/harness/prometheus.js";
import { deliver, issueCommentPayload } from "../test/loop/github-webhooks.js";
import { checkBinaries } from "./binaries.js";
import { awaitingApproval } from "./bridge-api.js";
import { type DemoTimings, renderAlertmanagerConfig, renderPrometheusConfig } from "./configs.js";
import { type Control, startControl } from "./control.js";
import { type Supervisor, startSupervisor } from "./supervisor.js";
import { startWorkflowPlayer, type WorkflowPlayer } from "./workflow-player.js";

export const DEMO_RUNBOOKS = fileURLToPath(new URL("./runbooks", import.meta.url));
export const DEMO_RUNBOOK = "demo-service-down";
export const DEMO_REPOSITORY = "runbridge-demo/infra";
export const DEMO_ENVIRONMENT = "remediation-demo";
/** The runbook's approver, who answers /approve in the demo. */
export const DEMO_APPROVER = "demo-operator";

export const TIMINGS: Record<"normal" | "fast", DemoTimings> = {
  normal: { interval: "2s", groupWait: "2s", groupInterval: "5s" },
  fast: { interval: "1s", groupWait: "500ms", groupInterval: "1s" },
};

export interface DemoOptions {
  fast: boolean;
  say(line: string): void;
}

export interface Demo {
  dir: string;
  bridge: RunningBridge;
  gh: GitHubEmulator;
  supervisor: Supervisor;
  controlUrl: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** Every process it started (service, Prometheus, Alertmanager), for the no-orphans check. */
  pids(): number[];
  approve(): Promise<string[]>;
  close(): Promise<void>;
}

/** One line of narration per audit event the bridge commits. */
function narrate(event: AuditEvent): string | undefined {
  if (event.kind === "runbooks.loaded") return undefined;
  return `bridge: ${event.kind}: ${event.message}`;
}

async function launch(
  name: string,
  command: string,
  args: string[],
  url: string,
  dir: string,
): Promise<ManagedProcess> {
  const child = startProcess({ name, command, args, logDir: dir });
  try {
    await child.waitUntil(() => waitForHttp(`${url}/-/ready`, { timeoutMs: 1_000 }), {
      what: `${name} ready at ${url}/-/ready`,
      timeoutMs: 30_000,
    });
  } catch (error) {
    await child.close(1_000);
    throw error;
  }
  return child;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  checkBinaries();
  const timings = TIMINGS[options.fast ? "fast" : "normal"];
  const dir = mkdtempSync(join(tmpdir(), "runbridge-demo-"));
  // Stopped in reverse order of start, also when a later part fails to start.
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => options.say(`stopping: ${error}`));
    }
    stops.length = 0;
  };
  try {
    const token = randomBytes(32).toString("hex");
    const secret = randomBytes(32).toString("hex");
    const tokenFile = join(dir, "alertmanager-token");
    writeFileSync(tokenFile, token, { mode: 0o600 });

    const supervisor = await startSupervisor({ logDir: dir });
    stops.push(() => supervisor.close());

    const gh = await createGitHubEmulator();
    stops.push(() => gh.close());
    // No required reviewers (what GitHub Team shows for a private repository): the bridge holds
    // the approval itself and asks the runbook's approvers in an issue.
    gh.state.setEnvironment(DEMO_ENVIRONMENT, { reviewers: [] });
    gh.state.setPermission(DEMO_APPROVER, "write");

    const [bridgePort, alertmanagerPort, prometheusPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const addresses = {
      runbridge: `${LOOPBACK}:${bridgePort}`,
      alertmanager: `${LOOPBACK}:${alertmanagerPort}`,
      prometheus: `${LOOPBACK}:${prometheusPort}`,
      demoService: supervisor.address,
    };
    const alertmanagerUrl = `http://${addresses.alertmanager}`;
    const prometheusUrl = `http://${addresses.prometheus}`;

    const bridgeLog = createWriteStream(join(dir, "bridge.log"), { flags: "a" });
    stops.push(() => new Promise<void>((resolve) => bridgeLog.end(() => resolve())));
    const bridge = await startBridge({
      env: {
        PORT: String(bridgePort),
        HOST: LOOPBACK,
        RUNBRIDGE_DB: join(dir, "bridge.db"),
        RUNBRIDGE_RUNBOOKS: DEMO_RUNBOOKS,
        RUNBRIDGE_ALERTMANAGER_TOKEN: token,
        RUNBRIDGE_DRY_RUN: "false",
        RUNBRIDGE_PUBLIC_URL: `http://${addresses.runbridge}`,
        ALERTMANAGER_URL: alertmanagerUrl,
        GITHUB_TOKEN: "demo-token",
        GITHUB_REPOSITORY: DEMO_REPOSITORY,
        GITHUB_API_URL: gh.url,
        GITHUB_WEBHOOK_SECRET: secret,
        LOG_LEVEL: "info",
      },
      logDestination: bridgeLog,
    });
    stops.push(() => bridge.close());
    const unsubscribe = bridge.bus.subscribe((event) => {
      const line = narrate(event);
      if (line) options.say(line);
    });
    stops.push(async () => {
      unsubscribe();
    });

    const alertmanagerConfig = join(dir, "alertmanager.yml");
    writeFileSync(alertmanagerConfig, renderAlertmanagerConfig(addresses, timings, tokenFile));
    const alertmanager = await launch(
      "alertmanager",
      ALERTMANAGER_BIN,
      [
        `--config.file=${alertmanagerConfig}`,
        `--storage.path=${join(dir, "alertmanager-data")}`,
        `--web.listen-address=${addresses.alertmanager}`,
        `--web.external-url=${alertmanagerUrl}`,
        "--cluster.listen-address=",
      ],
      alertmanagerUrl,
      dir,
    );
    stops.push(() => alertmanager.close());

    const prometheusConfig = join(dir, "prometheus.yml");
    writeFileSync(prometheusConfig, renderPrometheusConfig(addresses, timings));
    const prometheus = await launch(
      "prometheus",
      PROMETHEUS_BIN,
      [
        `--config.file=${prometheusConfig}`,
        `--storage.tsdb.path=${join(dir, "prometheus-data")}`,
        `--web.listen-address=${addresses.prometheus}`,
        `--web.external-url=${prometheusUrl}`,
        // Prometheus re-sends firing alerts once a minute by default; the demo wants seconds.
        "--rules.alert.resend-delay=1s",
      ],
      prometheusUrl,
      dir,
    );
    stops.push(() => prometheus.close());

    let serial = 0;
    const approve = async (): Promise<string[]> => {
      const approved: string[] = [];
      for (const execution of await awaitingApproval(bridge.url)) {
        if (execution.approvalIssue == null) continue;
        serial += 1;
        const answer = await deliver(
          bridge.url,
          "issue_comment",
          issueCommentPayload({
            issueNumber: execution.approvalIssue,
            login: DEMO_APPROVER,
            body: "/approve",
            commentId: 80_000 + serial,
            repository: DEMO_REPOSITORY,
          }),
          secret,
        );
        if (answer.status !== 200) {
          throw new Error(
            `the bridge answered /approve with HTTP ${answer.status}: ${JSON.stringify(answer.body)}`,
          );
        }
        approved.push(execution.id);
      }
      return approved;
    };

    const control: Control = await startControl({ supervisor, approve, say: options.say });
    stops.push(() => control.close());

    const player: WorkflowPlayer = startWorkflowPlayer({
      gh,
      bridgeUrl: bridge.url,
      webhookSecret: secret,
      repository: DEMO_REPOSITORY,
      runbooksDir: DEMO_RUNBOOKS,
      runnerEnv: { RUNBRIDGE_DEMO_CONTROL: control.url },
      logDir: dir,
      say: options.say,
    });
    stops.push(() => player.close());

    return {
      dir,
      bridge,
      gh,
      supervisor,
      controlUrl: control.url,
      prometheusUrl,
      alertmanagerUrl,
      pids: () => [...supervisor.pids(), alertmanager.pid, prometheus.pid],
      approve,
      async close() {
        await stopAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
