// GitHub misbehaving and everyone redelivering, with real parts only. The GitHub emulator resets
// connections (before and after it created the run) and lets calls hang past the dispatch timeout
// during a storm; a real Alertmanager's delivery of one group is posted 50 times at once; GitHub
// redelivers every workflow_run/workflow_job delivery of one run 20 times, shuffled. Each ends with
// one execution per occurrence, one run per execution, no state change audited twice, the
// invariants holding and /healthz answering. test/e2e/github-faults.e2e.test.ts covers each GitHub
// status code on a single alert; these are the faults it does not (connection resets, and all of
// them at once across a storm).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AM_TOKEN, executionDetail, repeated } from "../e2e/support.js";
import { startAlertmanagerCluster } from "../harness/alertmanager.js";
import { LOOPBACK, waitUntil } from "../harness/ports.js";
import { deliver, workflowJobPayload, workflowRunPayload } from "../loop/github-webhooks.js";
import {
  expectAccountedFor,
  expectHealthy,
  type FaultRig,
  postAlertmanager,
  sendStorm,
  startFaultRig,
  stormAlerts,
  WEBHOOK_SECRET,
  waitForDrain,
} from "./rig.js";

const DISPATCH = "actions/create-workflow-dispatch";
const LIST_RUNS = "actions/list-workflow-runs";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rig(extra: Record<string, string> = {}): Promise<FaultRig> {
  const started = await startFaultRig({ extra });
  cleanups.push(() => started.close());
  return started;
}

describe("GitHub resetting connections and timing out mid-storm", () => {
  it("retries each dispatch until it lands, with exactly one run per execution", async () => {
    const faulty = await rig({ RUNBRIDGE_DISPATCH_TIMEOUT: "2s", RUNBRIDGE_DISPATCH_LOOKUP_GRACE: "500ms" });
    const { gh } = faulty;
    gh.faults.push(
      { operationId: DISPATCH, times: 2, reset: true }, // refused before GitHub did anything
      { operationId: DISPATCH, times: 2, reset: true, afterHandler: true }, // the run exists, the answer is lost
      { operationId: DISPATCH, times: 1, hang: true }, // never answered: the 2 s timeout
      { operationId: LIST_RUNS, times: 1, reset: true }, // and the look-up that follows, once
      { operationId: DISPATCH, times: 1, reset: true, afterHandler: true },
      { operationId: DISPATCH, times: 1, hang: true },
    );
    const alerts = stormAlerts(120, { dispatchEvery: 10 });
    await sendStorm(faulty.url, alerts, { senders: 4, deadlineMs: 60_000 });
    await waitForDrain(faulty, 90_000);
    expect(gh.faults, "every fault was met").toEqual([]);
    await expectAccountedFor(faulty, alerts);
    expect(gh.violations).toEqual([]);
    const kinds = faulty.rows<{ kind: string; n: number }>(
      "SELECT kind, count(*) AS n FROM audit_events WHERE kind LIKE 'dispatch.%' GROUP BY kind ORDER BY kind",
    );
    const byKind = Object.fromEntries(kinds.map(({ kind, n }) => [kind, n]));
    // Three lost answers after the run was created: each found by the look-up, not dispatched again.
    expect(byKind["dispatch.recovered"]).toBeGreaterThanOrEqual(3);
    expect(byKind["dispatch.retry"]).toBeGreaterThanOrEqual(6);
    console.log(
      `[faults] GitHub resets and hangs: ${alerts.length} alerts, ${gh.runs().length} runs, audit ${JSON.stringify(byKind)}`,
    );
  }, 150_000);
});

/** A loopback server that answers 200 and keeps every request Alertmanager sends it. */
async function captureWebhooks(): Promise<{
  url: string;
  bodies: { body: string; authorization?: string }[];
}> {
  const bodies: { body: string; authorization?: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      bodies.push({ body: Buffer.concat(chunks).toString("utf8"), authorization: req.headers.authorization });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://${LOOPBACK}:${(server.address() as AddressInfo).port}/`, bodies };
}

describe("the same Alertmanager group delivered 50 times at once", () => {
  it("records one execution and dispatches one run", async () => {
    const bridge = await rig();
    // A real Alertmanager's notification for a group of three alerts (one the runbook matches),
    // exactly as it sent it: body and Authorization header.
    const capture = await captureWebhooks();
    const am = await startAlertmanagerCluster({
      webhookUrl: capture.url,
      authorization: { type: "Bearer", credentials: AM_TOKEN },
      groupBy: ["alertname"],
      groupWait: "200ms",
    });
    cleanups.push(() => am.close());
    await am.postAlerts(
      ["web-1", "web-2", "web-3"].map((instance) => ({
        labels: { alertname: "E2eStorm", severity: "critical", instance: `${instance}:9100` },
        annotations: { summary: `down on ${instance}` },
      })),
    );
    await waitUntil(() => capture.bodies.length > 0, {
      what: "Alertmanager's notification",
      timeoutMs: 20_000,
    });
    const delivery = capture.bodies[0] as { body: string; authorization?: string };
    expect(delivery.authorization).toBe(`Bearer ${AM_TOKEN}`);
    expect(JSON.parse(delivery.body).alerts).toHaveLength(3);

    const answers = await Promise.all(
      Array.from({ length: 50 }, () => postAlertmanager(bridge.url, delivery.body)),
    );
    const statuses = answers.map((answer) => (typeof answer === "string" ? answer : answer.status));
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // Every answer names the same three executions.
    const named = new Set(
      answers.flatMap((answer) =>
        typeof answer === "string"
          ? []
          : (JSON.parse(answer.body).executions as { id: string }[]).map((e) => e.id),
      ),
    );
    expect(named.size).toBe(3);

    await waitForDrain(bridge);
    const executions = bridge.rows<{ id: string; state: string }>("SELECT id, state FROM executions");
    expect(executions).toHaveLength(3);
    expect(new Set(executions.map((e) => e.id))).toEqual(named);
    const runs = bridge.gh.runs();
    expect(runs).toHaveLength(3);
    expect(repeated(runs, (run) => String(run.inputs.execution_id))).toEqual([]);
    const duplicates = bridge.rows<{ n: number }>(
      "SELECT count(*) AS n FROM audit_events WHERE kind = 'duplicate'",
    );
    expect(duplicates[0]?.n).toBeGreaterThanOrEqual(3 * 49);
    const alerts = bridge.rows<{ deliveries: number }>("SELECT deliveries FROM alerts");
    expect(alerts.map((a) => a.deliveries)).toEqual([50, 50, 50]);
    await expectHealthy(bridge);
  }, 90_000);
});

/** A seeded shuffle (mulberry32), so a failure replays. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("GitHub redelivering one run's webhooks 20 times, out of order", () => {
  it("ends in the right state, and audits each state change once", async () => {
    const bridge = await rig();
    const alerts = stormAlerts(1);
    await sendStorm(bridge.url, alerts, { senders: 1 });
    const id = alerts[0]?.executionId as string;
    await waitForDrain(bridge);
    const { execution } = await executionDetail(bridge.url, id);
    const run = bridge.gh.runs().find((candidate) => candidate.id === execution.runId);
    if (!run) throw new Error(`no emulator run for ${id}`);
    bridge.gh.setRunStatus(run.id, "completed", "success");
    const runId = run.id;
    const displayTitle = run.displayTitle;

    const deliveries: { event: string; payload: Record<string, unknown> }[] = [
      { event: "workflow_run", payload: workflowRunPayload({ runId, status: "queued", displayTitle }) },
      { event: "workflow_run", payload: workflowRunPayload({ runId, status: "in_progress", displayTitle }) },
      {
        event: "workflow_job",
        payload: workflowJobPayload({ runId, jobId: 701, name: "health-check", status: "completed" }),
      },
      {
        event: "workflow_job",
        payload: workflowJobPayload({ runId, jobId: 702, name: "remediate", status: "in_progress" }),
      },
      {
        event: "workflow_job",
        payload: workflowJobPayload({ runId, jobId: 702, name: "remediate", status: "completed" }),
      },
      {
        event: "workflow_run",
        payload: workflowRunPayload({ runId, status: "completed", conclusion: "success", displayTitle }),
      },
    ];
    const redelivered = shuffled(
      deliveries.flatMap((delivery) => Array.from({ length: 20 }, () => delivery)),
      20261206,
    );
    // Five at a time, as GitHub's deliveries overlap.
    const statuses: number[] = [];
    for (let i = 0; i < redelivered.length; i += 5) {
      const batch = redelivered.slice(i, i + 5);
      const answers = await Promise.all(
        batch.map(({ event, payload }) => deliver(bridge.url, event, payload, WEBHOOK_SECRET)),
      );
      statuses.push(...answers.map((answer) => answer.status));
    }
    expect(statuses.filter((status) => status !== 200 && status !== 202)).toEqual([]);

    const after = await executionDetail(bridge.url, id);
    expect(after.execution.state).toBe("succeeded");
    const changes = bridge.rows<{ data: string }>(
      "SELECT data FROM audit_events WHERE execution_id = ? AND kind = 'execution.state' ORDER BY id",
      id,
    );
    const moves = changes.map(({ data }) => JSON.parse(data) as { from: string; to: string });
    expect(
      repeated(moves, (move) => move.to),
      "a state entered twice",
    ).toEqual([]);
    expect(moves.at(-1)?.to).toBe("succeeded");
    // Never backwards: each move goes to a later state than the one before.
    const order = ["pending", "dispatched", "queued", "awaiting_approval", "running", "succeeded"];
    for (const move of moves) expect(order.indexOf(move.to)).toBeGreaterThan(order.indexOf(move.from));
    const linked = bridge.rows<{ n: number }>(
      "SELECT count(*) AS n FROM audit_events WHERE execution_id = ? AND kind = 'run.linked'",
      id,
    );
    expect(linked[0]?.n ?? 0).toBeLessThanOrEqual(1);
    expect(bridge.gh.runs()).toHaveLength(1);
    await expectHealthy(bridge);
    console.log(
      `[faults] ${redelivered.length} shuffled GitHub deliveries: ${moves.map((m) => `${m.from}→${m.to}`).join(", ")}`,
    );
  }, 90_000);
});
