// Three bridges, three processes, one PostgreSQL database, no leader: a real Alertmanager HA pair
// posts to two of them (each member to its own bridge), a storm of distinct alerts and repeats is
// spread over all three, and one bridge is killed with SIGKILL in the middle of it. Every alert
// that was answered 200 must end with exactly one run in the GitHub emulator, nothing twice; a
// GitHub webhook delivered to a bridge that did not dispatch the run updates the execution.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { type AlertmanagerCluster, startAlertmanagerCluster } from "../harness/alertmanager.js";
import { waitUntil } from "../harness/ports.js";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.js";
import { makeTempDir, removeTempDir } from "../harness/processes.js";
import { deliver, workflowRunPayload } from "../loop/github-webhooks.js";
import {
  AM_TOKEN,
  type BridgeProcess,
  bridgeEnv,
  executionDetail,
  FIXTURE_RUNBOOKS,
  freePort,
  listExecutions,
  postWebhook,
  repeated,
  sleep,
  startBridgeProcess,
  webhookBody,
} from "./support.js";

const SECRET = "replicas-e2e-webhook-secret";

let database: TestDatabase;
let gh: GitHubEmulator;
let dir: string;
const bridges: BridgeProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase("replicas");
  gh = await createGitHubEmulator();
  dir = await makeTempDir("e2e-replicas");
  for (let index = 0; index < 3; index++) {
    const env = bridgeEnv({
      port: await freePort(),
      dbFile: `${dir}/unused-${index}.db`,
      runbooks: FIXTURE_RUNBOOKS,
      githubUrl: gh.url,
      extra: {
        RUNBRIDGE_DATABASE_URL: database.url,
        RUNBRIDGE_DATABASE_POOL: "4",
        RUNBRIDGE_STORM_MAX: "100000",
        RUNBRIDGE_DISPATCH_CONCURRENCY: "2",
        // A dead bridge's rows in flight move after 3 s; the look-up first waits out GitHub's lag.
        RUNBRIDGE_CLAIM_LEASE: "3s",
        RUNBRIDGE_DISPATCH_LOOKUP_GRACE: "2s",
        GITHUB_WEBHOOK_SECRET: SECRET,
      },
    });
    bridges.push(await startBridgeProcess({ name: `replica-${index}`, logDir: dir, env }));
  }
}, 120_000);

afterAll(async () => {
  for (const bridge of bridges) await bridge.close();
  await gh?.close();
  await database?.drop();
  if (dir) await removeTempDir(dir);
});

/** Forwards each Alertmanager member's notifications to a bridge of its own, as two Alertmanagers in two zones would. */
async function routeMembers(
  route: (externalURL: string) => string,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const externalURL = (JSON.parse(body) as { externalURL: string }).externalURL;
      try {
        const answer = await fetch(`${route(externalURL)}/webhook/alertmanager`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: req.headers.authorization ?? "" },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        res.writeHead(answer.status).end(await answer.text());
      } catch {
        res.writeHead(502).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const storm = (target: string, startsAt: string) => ({
  labels: { alertname: "E2eStorm", severity: "critical", instance: `${target}:9100` },
  startsAt,
  fingerprint: randomBytes(8).toString("hex"),
});

function dispatchesByExecution(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const dispatch of gh.dispatches()) {
    const id = String(dispatch.inputs?.execution_id);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe("three bridges on one PostgreSQL database", () => {
  it("an Alertmanager HA pair posting to two of them: one run per alert", async () => {
    const [first, second] = bridges as [BridgeProcess, BridgeProcess];
    let am: AlertmanagerCluster | undefined;
    const router = await routeMembers((externalURL) =>
      externalURL === am?.members[0]?.url ? first.url : second.url,
    );
    try {
      am = await startAlertmanagerCluster({
        size: 2,
        webhookUrl: router.url,
        authorization: { type: "Bearer", credentials: AM_TOKEN },
        groupBy: ["instance"],
        groupWait: "300ms",
        groupInterval: "1s",
        repeatInterval: "2s",
        // Both members notify (a short peer timeout), so each alert reaches both bridges.
        peerTimeout: "0s",
      });
      const now = new Date(Date.now() - 30_000).toISOString();
      const alerts = Array.from({ length: 10 }, (_, index) => ({
        labels: { alertname: "E2eStorm", severity: "critical", instance: `ha-${index}:9100` },
        annotations: { summary: `ha alert ${index}` },
        startsAt: now,
        generatorURL: "http://127.0.0.1:9090/graph",
      }));
      await am.postAlerts(alerts);
      await waitUntil(
        () => gh.dispatches().filter((d) => String(d.inputs?.target).startsWith("ha-")).length >= 10,
        {
          what: "10 dispatches for the HA pair's alerts",
          timeoutMs: 30_000,
        },
      );
      // Repeats keep arriving at both bridges (repeat_interval 2 s): still one run each.
      await sleep(5_000);
      const ha = gh.dispatches().filter((d) => String(d.inputs?.target).startsWith("ha-"));
      expect(ha.map((d) => String(d.inputs?.target)).sort()).toEqual(
        Array.from({ length: 10 }, (_, index) => `ha-${index}`).sort(),
      );
      expect(repeated(ha, (d) => String(d.inputs?.execution_id))).toEqual([]);
    } finally {
      await am?.close();
      await new Promise((resolve) => router.server.close(resolve));
    }
  }, 90_000);

  it("a storm spread over all three, one killed mid-storm: every accepted alert dispatched exactly once", async () => {
    // GitHub answers dispatches slowly, so some are in flight when the bridge dies.
    gh.faults.push({ operationId: "actions/create-workflow-dispatch", times: 1_000, delayMs: 150 });
    const startsAt = new Date(Date.now() - 10_000).toISOString();
    const alerts = Array.from({ length: 60 }, (_, index) => storm(`storm-${index}`, startsAt));
    const accepted = new Map<string, string>(); // fingerprint → execution id
    const victim = bridges[2] as BridgeProcess;
    let killed = false;
    let sent = 0;
    const post = async (bridge: BridgeProcess, alert: ReturnType<typeof storm>) => {
      try {
        const answer = await postWebhook(
          bridge.url,
          webhookBody([alert], `{}:{instance="${alert.labels.instance}"}`),
        );
        const execution = answer.executions[0];
        if (execution?.id) accepted.set(alert.fingerprint, execution.id);
      } catch {
        // refused or cut off by the kill: not accepted, Alertmanager would retry
      }
    };
    await Promise.all(
      [0, 1, 2, 3].map(async (sender) => {
        for (let index = sender; index < alerts.length; index += 4) {
          const alert = alerts[index] as ReturnType<typeof storm>;
          // Each alert to one bridge, and again (an HA peer) to the next.
          const target = bridges[index % 3] as BridgeProcess;
          const peer = bridges[(index + 1) % 3] as BridgeProcess;
          await Promise.all([post(target, alert), post(peer, alert)]);
          sent += 1;
          if (!killed && sent >= 30) {
            killed = true;
            await victim.kill9();
          }
        }
      }),
    );
    expect(killed).toBe(true);
    const survivor = bridges[0] as BridgeProcess;
    // The dead bridge's rows in flight come back after its 3 s lease; each is looked up first.
    await waitUntil(
      async () => {
        const counts = dispatchesByExecution();
        return [...accepted.values()].every((id) => (counts.get(id) ?? 0) >= 1);
      },
      { what: "a run for every accepted storm alert", timeoutMs: 60_000, intervalMs: 250 },
    );
    await sleep(4_000); // anything about to dispatch twice would have by now
    const counts = dispatchesByExecution();
    const storms = [...accepted.values()];
    expect(storms.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect(repeated(gh.dispatches(), (d) => String(d.inputs?.execution_id))).toEqual([]);
    // One execution per occurrence, seen the same from any survivor.
    const executions = (await listExecutions(survivor.url)).filter((e) => e.alertname === "E2eStorm");
    expect(repeated(executions, (e) => `${e.fingerprint}@${e.startsAt}`)).toEqual([]);
    expect(new Set(executions.filter((e) => storms.includes(e.id)).map((e) => e.id)).size).toBe(
      accepted.size,
    );
  }, 180_000);

  it("a GitHub webhook delivered to a bridge that did not dispatch the run updates its execution", async () => {
    const [first, second] = bridges as [BridgeProcess, BridgeProcess];
    const alert = storm("webhook-target", new Date(Date.now() - 5_000).toISOString());
    const answer = await postWebhook(first.url, webhookBody([alert], '{}:{instance="webhook-target"}'));
    const id = answer.executions[0]?.id as string;
    const run = await waitUntil(
      async () => {
        const { execution } = await executionDetail(first.url, id);
        return execution.runId ? gh.runs().find((candidate) => candidate.id === execution.runId) : undefined;
      },
      { what: `execution ${id} dispatched`, timeoutMs: 30_000 },
    );
    const delivered = await deliver(
      second.url,
      "workflow_run",
      workflowRunPayload({
        runId: run.id,
        status: "in_progress",
        conclusion: null,
        displayTitle: run.displayTitle,
      }),
      SECRET,
    );
    expect(delivered.status).toBe(200);
    expect((await executionDetail(first.url, id)).execution.state).toBe("running");
  }, 60_000);
});
