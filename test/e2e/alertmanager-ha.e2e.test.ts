// The real Debian prometheus-alertmanager as an HA pair (two members gossiping on loopback) posts to
// the real bridge (in-process, real SQLite file) with its bearer token, and the bridge dispatches to
// the GitHub emulator. Alertmanager delivers each alert several times — both members notify when
// the peer timeout is short, groups re-send every alert they hold, and repeat_interval re-delivers —
// and the bridge must start exactly one run per alert occurrence.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import {
  type AlertmanagerCluster,
  type PostableAlert,
  startAlertmanagerCluster,
} from "../harness/alertmanager.js";
import { waitUntil } from "../harness/ports.js";
import { makeTempDir, removeTempDir } from "../harness/processes.js";
import {
  AM_TOKEN,
  auditEvents,
  bridgeEnv,
  type DeliveryRecorder,
  EXAMPLE_RUNBOOKS,
  freePort,
  type InProcessBridge,
  listExecutions,
  REPOSITORY,
  repeated,
  sleep,
  startDeliveryRecorder,
  startInProcessBridge,
} from "./support.js";

interface Stack {
  gh: GitHubEmulator;
  bridge: InProcessBridge;
  am: AlertmanagerCluster;
  /** Every webhook Alertmanager sent, by member, as forwarded to the bridge. */
  recorder: DeliveryRecorder;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Alertmanager first (it sends to the bridge), then the bridge, then GitHub, then files.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startStack(options: { peerTimeout?: string; repeatInterval: string }): Promise<Stack> {
  const dir = await makeTempDir("e2e-ha");
  cleanups.push(() => removeTempDir(dir));
  const gh = await createGitHubEmulator();
  cleanups.push(() => gh.close());
  // nginx-down's environment has required reviewers, so GitHub holds its approval and the
  // bridge dispatches at once; this suite is about deduplication (test/loop/approval-held
  // covers an environment without reviewers, where the bridge holds the approval itself).
  gh.state.setEnvironment("remediation-production", { reviewers: ["octocat"] });
  const bridge = await startInProcessBridge(
    bridgeEnv({
      port: await freePort(),
      dbFile: join(dir, "runbridge.db"),
      runbooks: EXAMPLE_RUNBOOKS,
      githubUrl: gh.url,
    }),
  );
  cleanups.push(() => bridge.close());
  const recorder = await startDeliveryRecorder(bridge.url);
  cleanups.push(() => recorder.close());
  const am = await startAlertmanagerCluster({
    size: 2,
    webhookUrl: recorder.url,
    authorization: { type: "Bearer", credentials: AM_TOKEN },
    groupBy: ["alertname"],
    groupWait: "500ms",
    groupInterval: "1s",
    repeatInterval: options.repeatInterval,
    ...(options.peerTimeout ? { peerTimeout: options.peerTimeout } : {}),
  });
  cleanups.push(() => am.close());
  return { gh, bridge, am, recorder };
}

/** nginx-down's alert for a host: NginxDown, job nginx, severity critical, instance host:9113. */
function nginxDown(host: string, startsAt: Date, endsAt?: Date): PostableAlert {
  return {
    labels: { alertname: "NginxDown", job: "nginx", severity: "critical", instance: `${host}:9113` },
    annotations: { summary: `nginx on ${host} is down` },
    startsAt: startsAt.toISOString(),
    ...(endsAt ? { endsAt: endsAt.toISOString() } : {}),
    generatorURL: "http://127.0.0.1:9090/graph",
  };
}

function waitForDispatches(stack: Stack, count: number, timeoutMs = 15_000) {
  return waitUntil(() => (stack.gh.dispatches().length >= count ? stack.gh.dispatches() : undefined), {
    what: `${count} dispatch(es) in the GitHub emulator`,
    timeoutMs,
    intervalMs: 20,
  }).catch((error: Error) => {
    throw new Error(
      `${error.message}\n--- bridge log tail ---\n${stack.bridge.logs.slice(-15).join("")}\n--- alertmanager-0 ---\n${stack.am.members[0]?.process.tail(15)}`,
    );
  });
}

/** Every dispatch is a run of remediate.yml for the runbook; returns the targets, one per dispatch. */
async function checkDispatches(stack: Stack): Promise<string[]> {
  const dispatches = stack.gh.dispatches();
  const executions = await listExecutions(stack.bridge.url);
  const byId = new Map(executions.map((execution) => [execution.id, execution]));
  for (const dispatch of dispatches) {
    expect(`${dispatch.owner}/${dispatch.repo}`).toBe(REPOSITORY);
    expect(dispatch.workflow).toBe("remediate.yml");
    expect(dispatch.inputs?.runbook).toBe("nginx-down");
    const execution = byId.get(String(dispatch.inputs?.execution_id));
    expect(
      execution,
      `execution ${dispatch.inputs?.execution_id} behind run ${dispatch.runId}`,
    ).toBeDefined();
    expect(execution?.target).toBe(dispatch.inputs?.target);
    expect(execution?.state).toBe("dispatched");
    expect(execution?.runId).toBe(dispatch.runId);
  }
  expect(repeated(dispatches, (d) => String(d.inputs?.execution_id))).toEqual([]);
  return dispatches.map((d) => String(d.inputs?.target)).sort();
}

/** "member 0: 3 deliveries (5 alerts), member 1: 2 (3)": how often each member notified. */
function deliverySummary(stack: Stack): string {
  return stack.am.members
    .map((member) => {
      const mine = stack.recorder.deliveries.filter((d) => d.externalURL === member.url);
      return `member ${member.index}: ${mine.length} deliveries (${mine.reduce((n, d) => n + d.alerts.length, 0)} alerts)`;
    })
    .join(", ");
}

/** nginx-down has a Saturday-night blackout (02:00–04:00 Europe/Berlin), which would suppress everything. */
function inNginxBlackout(now = new Date()): boolean {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: "Europe/Berlin",
    weekday: "short",
    hour: "numeric",
    hourCycle: "h23",
  }).formatToParts(now);
  const weekday = parts.find((p) => p.type === "weekday")?.value;
  const hour = Number(parts.find((p) => p.type === "hour")?.value);
  return weekday === "Sat" && hour >= 1 && hour < 5; // with a margin either side
}

describe.skipIf(inNginxBlackout())("Alertmanager HA pair → bridge → GitHub", () => {
  it("one dispatch per alert occurrence; a second target dispatches; a new occurrence in the cooldown is suppressed", async () => {
    const stack = await startStack({ repeatInterval: "2s" });
    const { am, bridge, gh } = stack;
    expect((await am.status(0)).cluster.peers).toHaveLength(2);

    // web-1 fires; Prometheus sends it to both members.
    const web1Start = new Date(Date.now() - 30_000);
    const postedAt = Date.now();
    await am.postAlerts([nginxDown("web-1", web1Start)]);
    const [first] = await waitForDispatches(stack, 1);
    const latencyWeb1 = (first?.time.getTime() ?? 0) - postedAt;

    // web-2 fires too; Prometheus keeps re-sending web-1 with it (same group: both are re-delivered).
    const web2PostedAt = Date.now();
    await am.postAlerts([nginxDown("web-1", web1Start), nginxDown("web-2", new Date(Date.now() - 10_000))]);
    const second = (await waitForDispatches(stack, 2))[1];
    const latencyWeb2 = (second?.time.getTime() ?? 0) - web2PostedAt;

    // Let both members deliver and repeat (repeat_interval 2s) several times.
    await waitUntil(async () => (await auditEvents(bridge.url, { kind: "duplicate" })).length >= 4, {
      what: "at least 4 re-deliveries recorded as duplicates",
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    expect(await checkDispatches(stack)).toEqual(["web-1", "web-2"]);

    // web-1 resolves, then fires again: a new occurrence (new startsAt) inside nginx-down's 10m cooldown.
    await am.postAlerts([
      nginxDown("web-1", web1Start, new Date(Date.now() - 1_000)),
      nginxDown("web-2", new Date(Date.now() - 10_000)),
    ]);
    await waitUntil(
      async () =>
        (await auditEvents(bridge.url, { kind: "alert.resolved" })).some((event) =>
          /web-1/.test(JSON.stringify(event)),
        ),
      { what: "web-1 resolved at the bridge", timeoutMs: 15_000, intervalMs: 100 },
    );
    const web1Again = new Date();
    await am.postAlerts([nginxDown("web-1", web1Again)]);
    const suppressed = await waitUntil(
      async () => {
        const rows = await listExecutions(bridge.url, { state: "suppressed" });
        return rows.find((row) => row.target === "web-1");
      },
      { what: "the new web-1 occurrence suppressed", timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(suppressed.guard).toBe("cooldown");
    expect(suppressed.runbook).toBe("nginx-down");
    expect(suppressed.reason).toMatch(
      /^cooldown: nginx-down on web-1 last dispatched .+ ago \(ex_[0-9a-z]+\); next allowed /,
    );
    expect(Date.parse(suppressed.startsAt)).toBe(Date.parse(web1Again.toISOString()));

    // Repeats of the suppressed occurrence stay one execution; still exactly two runs.
    await sleep(2_500);
    expect(await checkDispatches(stack)).toEqual(["web-1", "web-2"]);
    const executions = await listExecutions(bridge.url);
    expect(executions.map((e) => `${e.target}:${e.state}`).sort()).toEqual([
      "web-1:dispatched",
      "web-1:suppressed",
      "web-2:dispatched",
    ]);
    const duplicates = (await auditEvents(bridge.url, { kind: "duplicate" })).length;
    console.log(
      `[ha peer-timeout 1s] post → dispatch: web-1 ${latencyWeb1} ms, web-2 ${latencyWeb2} ms; ` +
        `${duplicates} re-deliveries recorded as duplicates; ${gh.dispatches().length} dispatches; ${deliverySummary(stack)}`,
    );
    expect(stack.recorder.deliveries.every((d) => d.status === 200)).toBe(true);
    expect(gh.violations).toEqual([]);
  }, 60_000);

  it("peer timeout 0s (both members notify at once) and repeat deliveries: still one dispatch per occurrence", async () => {
    const stack = await startStack({ peerTimeout: "0s", repeatInterval: "1s" });
    const { am, bridge, gh } = stack;
    const postedAt = Date.now();
    const alerts = [
      nginxDown("web-1", new Date(Date.now() - 20_000)),
      nginxDown("web-2", new Date(Date.now() - 20_000)),
    ];
    await am.postAlerts(alerts);
    const dispatches = await waitForDispatches(stack, 2);
    const latencies = dispatches.map((d) => d.time.getTime() - postedAt);

    // Prometheus re-sends the same alerts on every evaluation; the members keep repeating them.
    for (let i = 0; i < 3; i++) {
      await sleep(1_000);
      await am.postAlerts(alerts);
    }
    await waitUntil(async () => (await auditEvents(bridge.url, { kind: "duplicate" })).length >= 6, {
      what: "at least 6 re-deliveries recorded as duplicates",
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    expect(await checkDispatches(stack)).toEqual(["web-1", "web-2"]);
    const executions = await listExecutions(bridge.url);
    expect(executions.map((e) => `${e.target}:${e.state}`).sort()).toEqual([
      "web-1:dispatched",
      "web-2:dispatched",
    ]);
    const duplicates = await auditEvents(bridge.url, { kind: "duplicate" });
    // Every duplicate points at one of the two executions.
    const ids = new Set(executions.map((e) => e.id));
    for (const event of duplicates) expect(ids.has(String(event.executionId))).toBe(true);
    console.log(
      `[ha peer-timeout 0s] post → dispatch: ${latencies.join(" ms, ")} ms; ` +
        `${duplicates.length} re-deliveries recorded as duplicates; ${gh.dispatches().length} dispatches; ${deliverySummary(stack)}`,
    );
    expect(stack.recorder.deliveries.every((d) => d.status === 200)).toBe(true);
    // With no peer timeout both members notify: the bridge really was sent the same occurrence twice.
    for (const member of am.members) {
      expect(stack.recorder.deliveries.some((d) => d.externalURL === member.url)).toBe(true);
    }
    expect(gh.violations).toEqual([]);
  }, 60_000);
});
