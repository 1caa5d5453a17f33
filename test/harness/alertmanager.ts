// Launches the real Alertmanager (Debian's prometheus-alertmanager) as a single instance or an HA
// pair on loopback, configured with one webhook receiver pointing at the system under test.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort, LOOPBACK, waitForHttp } from "./ports.js";
import { type ManagedProcess, makeTempDir, removeTempDir, startProcess } from "./processes.js";

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? "/usr/bin/prometheus-alertmanager";
export const AMTOOL_BIN = process.env.AMTOOL_BIN ?? "/usr/bin/amtool";

export interface AlertmanagerOptions {
  /** 1 = clustering disabled; 2 = HA pair gossiping over loopback. */
  size?: 1 | 2;
  webhookUrl: string;
  /** Sent as `Authorization: <type> <credentials>`. Mutually exclusive with basicAuth. */
  authorization?: { type: "Bearer"; credentials: string };
  basicAuth?: { username: string; password: string };
  groupBy?: string[];
  /** Alertmanager durations ("500ms", "1s"). Defaults are short so tests see webhooks quickly. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  sendResolved?: boolean;
  /** How long the second pair member waits for the first one's notification log (HA dedup). */
  peerTimeout?: string;
  logLevel?: "debug" | "info" | "warn" | "error";
  readyTimeoutMs?: number;
}

/** What Prometheus (or a test) POSTs to /api/v2/alerts. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  /** In the past = resolved; in the future = Alertmanager resolves it itself at that time. */
  endsAt?: string;
  generatorURL?: string;
}

export interface AlertmanagerMember {
  index: number;
  /** Base URL, e.g. http://127.0.0.1:41234 (also what Prometheus is pointed at). */
  url: string;
  /** url + "/api/v2". */
  apiUrl: string;
  /** Gossip address "127.0.0.1:port"; undefined when clustering is disabled. */
  clusterAddress: string | undefined;
  process: ManagedProcess;
}

export interface AlertmanagerCluster {
  members: AlertmanagerMember[];
  configFile: string;
  /** Posts to every member (as Prometheus does for an HA pair) unless a member index is given. */
  postAlerts(alerts: PostableAlert[], member?: number): Promise<void>;
  /** GET /api/v2/status of one member (cluster peers, config, uptime). */
  status(member?: number): Promise<AlertmanagerStatus>;
  close(): Promise<void>;
}

export interface AlertmanagerStatus {
  cluster: { status: string; peers?: { name: string; address: string }[] };
  [key: string]: unknown;
}

/** The alertmanager.yml the launcher writes; exported so a test can feed it to `amtool check-config`. */
export function renderAlertmanagerConfig(options: AlertmanagerOptions): string {
  if (options.authorization && options.basicAuth) {
    throw new Error("alertmanager: authorization and basicAuth are mutually exclusive");
  }
  const httpConfig: Record<string, unknown> = {};
  if (options.authorization) httpConfig.authorization = { ...options.authorization };
  if (options.basicAuth) httpConfig.basic_auth = { ...options.basicAuth };
  const webhook: Record<string, unknown> = {
    url: options.webhookUrl,
    send_resolved: options.sendResolved ?? true,
  };
  if (Object.keys(httpConfig).length > 0) webhook.http_config = httpConfig;
  return stringify({
    route: {
      receiver: "runbridge",
      group_by: options.groupBy ?? ["alertname"],
      group_wait: options.groupWait ?? "500ms",
      group_interval: options.groupInterval ?? "1s",
      // Long, so a test never mistakes a repeat for a new notification.
      repeat_interval: options.repeatInterval ?? "1h",
    },
    receivers: [{ name: "runbridge", webhook_configs: [webhook] }],
  });
}

export async function startAlertmanagerCluster(options: AlertmanagerOptions): Promise<AlertmanagerCluster> {
  const size = options.size ?? 1;
  const dir = await makeTempDir("alertmanager");
  const configFile = join(dir, "alertmanager.yml");
  await writeFile(configFile, renderAlertmanagerConfig(options));

  const webPorts: number[] = [];
  const clusterPorts: number[] = [];
  for (let i = 0; i < size; i++) {
    webPorts.push(await freePort());
    clusterPorts.push(await freePort());
  }

  const members: AlertmanagerMember[] = [];
  const close = async () => {
    // One after the other: when both members leave the gossip cluster at once, one of them waits
    // for a leave acknowledgement that never comes and ends up SIGKILLed after the grace period.
    for (const m of members) await m.process.close();
    await removeTempDir(dir);
  };
  try {
    for (let i = 0; i < size; i++) {
      const url = `http://${LOOPBACK}:${webPorts[i]}`;
      const args = [
        `--config.file=${configFile}`,
        `--storage.path=${join(dir, `data-${i}`)}`,
        `--web.listen-address=${LOOPBACK}:${webPorts[i]}`,
        // Deterministic externalURL in webhook payloads instead of the machine's hostname.
        `--web.external-url=${url}`,
        `--log.level=${options.logLevel ?? "info"}`,
        ...clusterArgs(i, size, clusterPorts, options.peerTimeout ?? "1s"),
      ];
      const proc = startProcess({ name: `alertmanager-${i}`, command: ALERTMANAGER_BIN, args, logDir: dir });
      const clusterAddress = size > 1 ? `${LOOPBACK}:${clusterPorts[i]}` : undefined;
      members.push({ index: i, url, apiUrl: `${url}/api/v2`, clusterAddress, process: proc });
    }
    const timeoutMs = options.readyTimeoutMs ?? 20_000;
    await Promise.all(
      members.map((m) =>
        m.process.waitUntil(() => waitForHttp(`${m.url}/-/ready`, { timeoutMs: 1_000 }), {
          what: `${m.url}/-/ready`,
          timeoutMs,
        }),
      ),
    );
    if (size > 1) {
      // Ready is not enough for HA: notifications wait until gossip has "settled", and dedup
      // needs both members to see each other. Wait for peers=2 and status "ready" on each.
      await Promise.all(
        members.map((m) =>
          m.process.waitUntil(
            async () => {
              const s = await getStatus(m);
              return s.cluster.status === "ready" && (s.cluster.peers?.length ?? 0) === size;
            },
            { what: `${m.url} to see ${size} cluster peers and settle`, timeoutMs },
          ),
        ),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }

  const pick = (member: number): AlertmanagerMember => {
    const m = members[member];
    if (!m) throw new Error(`alertmanager: no member ${member} (size ${size})`);
    return m;
  };
  return {
    members,
    configFile,
    async postAlerts(alerts, member) {
      const targets = member === undefined ? members : [pick(member)];
      await Promise.all(targets.map((m) => postTo(m, alerts)));
    },
    status: (member = 0) => getStatus(pick(member)),
    close,
  };
}

function clusterArgs(i: number, size: number, ports: number[], peerTimeout: string): string[] {
  // Empty listen address disables HA mode; otherwise the default 0.0.0.0:9094 would be used.
  if (size === 1) return ["--cluster.listen-address="];
  const peers = ports.filter((_, j) => j !== i).map((p) => `--cluster.peer=${LOOPBACK}:${p}`);
  return [
    `--cluster.listen-address=${LOOPBACK}:${ports[i]}`,
    `--cluster.advertise-address=${LOOPBACK}:${ports[i]}`,
    ...peers,
    // Settling takes ~4 x (10 x gossip interval); 50ms makes that ~2s instead of ~8s.
    "--cluster.gossip-interval=50ms",
    "--cluster.pushpull-interval=1s",
    "--cluster.settle-timeout=5s",
    "--cluster.reconnect-interval=1s",
    `--cluster.peer-timeout=${peerTimeout}`,
  ];
}

async function getStatus(m: AlertmanagerMember): Promise<AlertmanagerStatus> {
  const response = await fetch(`${m.apiUrl}/status`, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) throw new Error(`GET ${m.apiUrl}/status: HTTP ${response.status}`);
  return (await response.json()) as AlertmanagerStatus;
}

async function postTo(m: AlertmanagerMember, alerts: PostableAlert[]): Promise<void> {
  const response = await fetch(`${m.apiUrl}/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(alerts),
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) {
    throw new Error(`POST ${m.apiUrl}/alerts: HTTP ${response.status}: ${await response.text()}`);
  }
}
