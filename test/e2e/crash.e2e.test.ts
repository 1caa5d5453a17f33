// Crash safety: the bridge runs as a child process (`node --import tsx bridge/main.ts`) on a real
// SQLite file and is killed with SIGKILL — mid-storm while alerts are being accepted and dispatches
// are in flight, again while it drains its outbox, and inside GitHub's handling of a dispatch (the
// run exists, the bridge never learnt it). After each restart on the same database, every alert
// that was answered 200 must have exactly one run in the GitHub emulator, and nothing else may.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, defaultRunName, type GitHubEmulator } from "../github-emulator/index.js";
import { waitUntil } from "../harness/ports.js";
import { makeTempDir, removeTempDir } from "../harness/processes.js";
import {
  auditEvents,
  type BridgeProcess,
  bridgeEnv,
  bridgeStatus,
  type DecidedExecution,
  type ExecutionRow,
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

const DISPATCH = "actions/create-workflow-dispatch";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  gh: GitHubEmulator;
  dir: string;
  env: Record<string, string>;
  /** The bridge process currently running, if any. */
  bridge?: BridgeProcess;
  starts: number;
  start(): Promise<BridgeProcess>;
}

async function createRig(gh: GitHubEmulator): Promise<Rig> {
  const dir = await makeTempDir("e2e-crash");
  cleanups.push(() => removeTempDir(dir));
  const env = bridgeEnv({
    port: await freePort(), // the same port across restarts, as under a supervisor
    dbFile: join(dir, "runbridge.db"),
    runbooks: FIXTURE_RUNBOOKS,
    githubUrl: gh.url,
    extra: {
      RUNBRIDGE_STORM_MAX: "100000",
      RUNBRIDGE_DISPATCH_CONCURRENCY: "2",
      // Longer than the emulator's delay plus Octokit's write spacing, so a dispatch the dead
      // process left on the wire has landed before the restarted bridge looks for its run.
      RUNBRIDGE_DISPATCH_LOOKUP_GRACE: "3s",
    },
  });
  const rig: Rig = {
    gh,
    dir,
    env,
    starts: 0,
    async start() {
      rig.starts += 1;
      const bridge = await startBridgeProcess({ name: `bridge-${rig.starts}`, logDir: dir, env });
      rig.bridge = bridge;
      cleanups.push(() => bridge.close());
      return bridge;
    },
  };
  return rig;
}

interface StormAlert {
  index: number;
  fingerprint: string;
  target: string;
  body: string;
  /** What happened to its POST. */
  outcome?:
    | { kind: "accepted"; execution: DecidedExecution; at: number }
    | { kind: "refused"; error: string } // ECONNREFUSED: never reached the bridge
    | { kind: "failed"; error: string }; // sent, no answer: may or may not be recorded
}

function stormAlerts(count: number, tag: string): StormAlert[] {
  const startsAt = new Date().toISOString();
  return Array.from({ length: count }, (_, index) => {
    const fingerprint = randomBytes(8).toString("hex");
    const target = `storm-${tag}-${index}`;
    const body = webhookBody(
      [
        {
          labels: {
            alertname: "E2eStorm",
            severity: index % 3 === 0 ? "critical" : "warning",
            instance: `${target}:9100`,
          },
          annotations: { summary: `storm alert ${index}` },
          startsAt,
          fingerprint,
        },
      ],
      `{}:{alertname="E2eStorm", instance="${target}:9100"}`,
    );
    return { index, fingerprint, target, body };
  });
}

function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
}

/** POSTs every alert with `senders` concurrent senders, pausing `pauseMs` between a sender's POSTs. */
async function sendStorm(url: string, alerts: StormAlert[], senders: number, pauseMs: number) {
  let next = 0;
  const sender = async () => {
    for (;;) {
      const alert = alerts[next++];
      if (!alert) return;
      try {
        const answer = await postWebhook(url, alert.body, 5_000);
        const execution = answer.executions[0] as DecidedExecution;
        alert.outcome = { kind: "accepted", execution, at: Date.now() };
      } catch (error) {
        const code = errorCode(error);
        alert.outcome =
          code === "ECONNREFUSED" ? { kind: "refused", error: code } : { kind: "failed", error: code };
      }
      await sleep(pauseMs);
    }
  };
  await Promise.all(Array.from({ length: senders }, sender));
}

interface NoiseBatch {
  fingerprints: string[];
  outcome: "accepted" | "refused" | "failed";
}

/** Sends batches of `size` alerts that match no runbook, one after the other, until `stop()`. */
function sendNoise(url: string, size: number, stop: () => boolean) {
  const batches: NoiseBatch[] = [];
  let pending = false;
  const done = (async () => {
    while (!stop()) {
      const startsAt = new Date().toISOString();
      const alerts = Array.from({ length: size }, (_, index) => ({
        labels: {
          alertname: "E2eNoise",
          severity: "warning",
          instance: `noise-${batches.length}-${index}:9100`,
        },
        startsAt,
        fingerprint: randomBytes(8).toString("hex"),
      }));
      const batch: NoiseBatch = { fingerprints: alerts.map((a) => a.fingerprint), outcome: "accepted" };
      pending = true;
      try {
        const answer = await postWebhook(url, webhookBody(alerts, '{}:{alertname="E2eNoise"}'), 10_000);
        expect(answer.executions.every((e) => e.state === "suppressed")).toBe(true);
      } catch (error) {
        batch.outcome = errorCode(error) === "ECONNREFUSED" ? "refused" : "failed";
      } finally {
        pending = false;
      }
      batches.push(batch);
      await sleep(50);
    }
    return batches;
  })();
  return { done, inFlight: () => pending };
}

/** A dispatch the emulator is still holding (delayed): the bridge is waiting for GitHub's answer. */
function dispatchInFlight(gh: GitHubEmulator, withinMs: number): boolean {
  const now = Date.now();
  return gh.requests.some(
    (request) =>
      request.operationId === DISPATCH &&
      request.status === undefined &&
      now - request.time.getTime() < withinMs,
  );
}

async function waitForDrain(bridge: BridgeProcess, timeoutMs: number) {
  return bridge.process.waitUntil(
    async () => {
      const status = await bridgeStatus(bridge.url);
      return status.outboxDepth === 0 ? status : undefined;
    },
    { what: "the outbox to drain (outboxDepth 0)", timeoutMs, intervalMs: 250 },
  );
}

/**
 * The invariants after a drain: every dispatch belongs to a recorded e2e-storm execution, no
 * execution is dispatched twice, every e2e-storm execution was dispatched exactly once, and alerts
 * no runbook matches are recorded as suppressed and never dispatched. Returns the e2e-storm
 * executions by id, and the others.
 */
async function checkExactlyOnce(
  gh: GitHubEmulator,
  url: string,
): Promise<{ byId: Map<string, ExecutionRow>; unmatched: ExecutionRow[] }> {
  const all = await listExecutions(url);
  const executions = all.filter((execution) => execution.runbook === "e2e-storm");
  const unmatched = all.filter((execution) => execution.runbook !== "e2e-storm");
  for (const execution of unmatched) {
    expect(`${execution.alertname} ${execution.state} ${execution.guard}`).toBe(
      "E2eNoise suppressed no_runbook",
    );
  }
  const byId = new Map(executions.map((execution) => [execution.id, execution]));
  const dispatches = gh.dispatches();
  expect(
    repeated(dispatches, (d) => String(d.inputs?.execution_id)),
    "execution ids dispatched twice",
  ).toEqual([]);
  expect(
    repeated(dispatches, (d) => String(d.inputs?.target)),
    "targets dispatched twice",
  ).toEqual([]);
  expect(
    repeated(all, (e) => `${e.fingerprint}@${e.startsAt}`),
    "occurrences recorded twice",
  ).toEqual([]);
  for (const dispatch of dispatches) {
    const execution = byId.get(String(dispatch.inputs?.execution_id));
    expect(
      execution,
      `run ${dispatch.runId} for unknown execution ${dispatch.inputs?.execution_id}`,
    ).toBeDefined();
    expect(dispatch.inputs?.target).toBe(execution?.target);
    // The alert the run received is the one the execution recorded.
    const alert = JSON.parse(String(dispatch.inputs?.alert)) as { labels: Record<string, string> };
    expect(alert.labels.instance).toBe(`${execution?.target}:9100`);
  }
  const dispatchedIds = new Set(dispatches.map((d) => String(d.inputs?.execution_id)));
  for (const execution of executions) {
    expect(execution.state, `${execution.id}: ${execution.reason}`).toBe("dispatched");
    expect(dispatchedIds.has(execution.id), `${execution.id} (${execution.target}) has no run`).toBe(true);
    expect(gh.runs().find((run) => run.id === execution.runId)?.inputs.execution_id).toBe(execution.id);
  }
  expect(gh.violations).toEqual([]);
  return { byId, unmatched };
}

describe("kill -9 of the bridge", () => {
  it("mid-storm and again mid-drain: every accepted alert ends with exactly one run", async () => {
    const gh = await createGitHubEmulator();
    cleanups.push(() => gh.close());
    // Every dispatch takes 800 ms at GitHub, so there is always one on the wire when the kill lands.
    gh.faults.push({ operationId: DISPATCH, times: 100_000, delayMs: 800 });
    const rig = await createRig(gh);
    let bridge = await rig.start();
    const alerts = stormAlerts(200, randomBytes(2).toString("hex"));
    const accepted = () => alerts.filter((a) => a.outcome?.kind === "accepted");

    // 1: the storm (4 concurrent senders, about 20 alerts/s), and alongside it the noise of a real
    // outage: batches of 150 alerts no runbook matches, recorded (suppressed) but never dispatched.
    // Kill once 30 alerts are accepted, two runs have started, a third dispatch is on the wire and,
    // preferably, a noise batch is being decided.
    const started = Date.now();
    const storm = sendStorm(bridge.url, alerts, 4, 200);
    const noise = sendNoise(bridge.url, 150, () => alerts.every((a) => a.outcome !== undefined));
    await waitUntil(
      () => accepted().length >= 30 && gh.dispatches().length >= 2 && dispatchInFlight(gh, 700),
      { what: "30 accepted alerts, 2 runs and a dispatch in flight", timeoutMs: 20_000, intervalMs: 5 },
    );
    const deadline = Date.now() + 2_000;
    await waitUntil(() => (noise.inFlight() && dispatchInFlight(gh, 700)) || Date.now() > deadline, {
      what: "a noise batch in flight",
      timeoutMs: 3_000,
      intervalMs: 1,
    });
    const killedBridge = bridge;
    await killedBridge.kill9();
    const firstKill = {
      afterMs: Date.now() - started,
      accepted: accepted().length,
      dispatched: gh.dispatches().length,
      inFlight: gh.requests.filter((r) => r.operationId === DISPATCH && r.status === undefined).length,
    };
    await storm; // the rest of the storm meets a dead port
    const batches = await noise.done;
    const refused = alerts.filter((a) => a.outcome?.kind === "refused");
    const failed = alerts.filter((a) => a.outcome?.kind === "failed");
    expect(accepted().length + refused.length + failed.length).toBe(alerts.length);
    expect(refused.length).toBeGreaterThan(0);
    for (const alert of accepted()) expect(alert.outcome).toMatchObject({ execution: { state: "pending" } });

    // 2: restart on the same database; kill again while it drains, with a dispatch in flight.
    let t = Date.now();
    bridge = await rig.start();
    const firstRestartMs = Date.now() - t;
    const atRestart = gh.dispatches().length;
    await bridge.process.waitUntil(
      async () => gh.dispatches().length >= atRestart + 5 && dispatchInFlight(gh, 600),
      { what: "5 more dispatches and one in flight", timeoutMs: 30_000, intervalMs: 5 },
    );
    await bridge.kill9();
    const secondKill = { dispatched: gh.dispatches().length };

    // 3: restart again and let it drain.
    t = Date.now();
    bridge = await rig.start();
    const drainStarted = Date.now();
    await waitForDrain(bridge, 90_000);
    const drainMs = Date.now() - drainStarted;
    const secondRestartMs = drainStarted - t;

    const { byId, unmatched } = await checkExactlyOnce(gh, bridge.url);
    // Each noise batch was one transaction: all of it recorded, or none (refused: none; answered: all).
    const recordedNoise = new Set(unmatched.map((e) => e.fingerprint));
    const noiseCounts = { accepted: 0, refused: 0, failed: 0, failedRecorded: 0 };
    for (const batch of batches) {
      const recorded = batch.fingerprints.filter((f) => recordedNoise.has(f)).length;
      noiseCounts[batch.outcome] += 1;
      if (batch.outcome === "accepted") expect(recorded).toBe(batch.fingerprints.length);
      if (batch.outcome === "refused") expect(recorded).toBe(0);
      if (batch.outcome === "failed") {
        expect([0, batch.fingerprints.length]).toContain(recorded);
        if (recorded > 0) noiseCounts.failedRecorded += 1;
      }
    }
    // Every alert answered 200 has its execution (same id, same fingerprint) and exactly one run.
    for (const alert of accepted()) {
      const id = alert.outcome?.kind === "accepted" ? alert.outcome.execution.id : undefined;
      const execution = byId.get(String(id));
      expect(execution, `accepted alert ${alert.index} (${id})`).toBeDefined();
      expect(execution?.fingerprint).toBe(alert.fingerprint);
      expect(execution?.target).toBe(alert.target);
      expect(gh.dispatches().filter((d) => d.inputs?.execution_id === id)).toHaveLength(1);
    }
    // Alerts that never reached the bridge were never recorded and never dispatched.
    const fingerprints = new Map([...byId.values()].map((e) => [e.fingerprint, e]));
    for (const alert of refused) {
      expect(fingerprints.has(alert.fingerprint), `refused alert ${alert.index} was recorded`).toBe(false);
    }
    // Alerts whose POST died with the bridge may have been recorded; if so, they have exactly one run.
    const failedRecorded = failed.filter((alert) => fingerprints.has(alert.fingerprint));
    expect(byId.size).toBe(accepted().length + failedRecorded.length);
    expect(gh.dispatches()).toHaveLength(byId.size);

    // Alertmanager re-sends what it did not get a 200 for, and repeats the rest: nothing new runs.
    const resend = [...accepted(), ...failed];
    const answers = await Promise.all(resend.map((alert) => postWebhook(bridge.url, alert.body)));
    const newlyAccepted = answers.filter((answer) => answer.executions[0]?.state === "pending").length;
    expect(newlyAccepted).toBe(failed.length - failedRecorded.length);
    for (const [index, answer] of answers.entries()) {
      if (index < accepted().length) expect(answer.executions[0]?.state).toBe("duplicate");
    }
    await waitForDrain(bridge, 30_000);
    await checkExactlyOnce(gh, bridge.url);
    expect(gh.dispatches()).toHaveLength(accepted().length + failed.length);

    const recovered = await auditEvents(bridge.url, { kind: "dispatch.recovered" });
    const redispatched = (await listExecutions(bridge.url)).filter((e) => e.dispatchAttempts > 1).length;
    console.log(
      `[crash] storm of ${alerts.length}: first kill after ${firstKill.afterMs} ms with ${firstKill.accepted} accepted, ` +
        `${firstKill.dispatched} dispatched, ${firstKill.inFlight} dispatch(es) on the wire; POSTs: ${accepted().length} × 200, ` +
        `${failed.length} lost in flight (${failedRecorded.length} of them recorded), ${refused.length} refused. ` +
        `Restart → ready ${firstRestartMs} ms; second kill at ${secondKill.dispatched} dispatches; restart → ready ${secondRestartMs} ms; ` +
        `drain ${drainMs} ms. Runs found by name after a crash: ${recovered.length}; dispatched again after a look-up found nothing: ${redispatched}; ` +
        `runs ${gh.runs().length} for ${byId.size + failed.length - failedRecorded.length} executions. ` +
        `Noise batches of 150: ${noiseCounts.accepted} answered, ${noiseCounts.failed} cut off by the kill ` +
        `(${noiseCounts.failedRecorded} committed whole), ${noiseCounts.refused} refused; ${unmatched.length} unmatched alerts recorded`,
    );
  }, 150_000);

  it("inside GitHub's handling of a dispatch (the run exists, the bridge never heard): found by name, not dispatched again", async () => {
    let killOnDispatch = 0;
    let dispatchCount = 0;
    /** Execution ids whose dispatch GitHub was handling when the bridge died. */
    const killedDuring: string[] = [];
    let rig: Rig | undefined;
    const gh = await createGitHubEmulator({
      // Called while GitHub creates the run, before it answers: the moment to pull the plug.
      runName(inputs) {
        dispatchCount += 1;
        if (dispatchCount === killOnDispatch && rig?.bridge) {
          killedDuring.push(String(inputs.execution_id));
          try {
            process.kill(-rig.bridge.process.pid, "SIGKILL");
          } catch {
            // gone already
          }
        }
        return defaultRunName(inputs);
      },
    });
    cleanups.push(() => gh.close());
    rig = await createRig(gh);
    let bridge = await rig.start();

    const alerts = stormAlerts(8, randomBytes(2).toString("hex"));
    killOnDispatch = 3;
    for (const alert of alerts) {
      const answer = await postWebhook(bridge.url, alert.body);
      alert.outcome = {
        kind: "accepted",
        execution: answer.executions[0] as DecidedExecution,
        at: Date.now(),
      };
    }
    // Plain waitUntil: the bridge's own waitUntil would (rightly) fail once the process is gone.
    await waitUntil(() => killedDuring.length === 1, { what: "the third dispatch", timeoutMs: 20_000 });
    await bridge.kill9();
    expect(gh.runs()).toHaveLength(3);

    // A second time, at the next new dispatch after the restart (the recovered row needs no new run).
    killOnDispatch = 5;
    bridge = await rig.start();
    await waitUntil(() => killedDuring.length === 2, { what: "the fifth dispatch", timeoutMs: 30_000 });
    await bridge.kill9();
    killOnDispatch = 0;

    const t = Date.now();
    bridge = await rig.start();
    await waitForDrain(bridge, 60_000);
    const drainMs = Date.now() - t;
    const { byId } = await checkExactlyOnce(gh, bridge.url);
    expect(byId.size).toBe(alerts.length);
    expect(gh.dispatches()).toHaveLength(alerts.length);

    for (const killed of killedDuring) {
      const detail = await executionDetail(bridge.url, killed);
      const kinds = detail.events.map((event) => event.kind).filter((kind) => kind.startsWith("dispatch."));
      // The attempt GitHub was handling reached it; after the restart the bridge looked for the run
      // and found it. (An earlier attempt may show too: one the first kill cut off before it reached
      // GitHub, found missing by the look-up and sent again — the send the second kill landed in.)
      expect(kinds.at(-1), `${killed}: ${kinds.join(", ")}`).toBe("dispatch.recovered");
      const before = kinds
        .slice(0, -1)
        .filter((kind) => kind !== "dispatch.attempt" && kind !== "dispatch.retry");
      expect(before, kinds.join(", ")).toEqual([]);
      expect(gh.runs().filter((r) => r.inputs.execution_id === killed)).toHaveLength(1);
      const run = gh.runs().find((r) => r.inputs.execution_id === killed);
      expect(detail.execution.runId).toBe(run?.id);
      expect(detail.execution.state).toBe("dispatched");
    }
    console.log(
      `[crash] killed inside GitHub's handler twice (${killedDuring.join(", ")}): both recovered by run name; ` +
        `${gh.dispatches().length} dispatches for ${alerts.length} alerts; final drain ${drainMs} ms`,
    );
  }, 90_000);
});
