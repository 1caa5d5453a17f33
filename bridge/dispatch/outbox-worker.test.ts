import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { firingAlert, webhook } from "../../test/fixtures/alertmanager/index.js";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { fixtureRunbooks } from "../../test/fixtures/store/temp-database.js";
import {
  createGitHubEmulator,
  type GitHubEmulator,
  secondaryRateLimit,
  tooManyRequests,
} from "../../test/github-emulator/index.js";
import { octokitFor } from "../../test/github-emulator/octokit-for.js";
import { normalizeWebhook } from "../alerts/normalize.js";
import type { AlertmanagerWebhook } from "../alerts/types.js";
import { createAuditBus } from "../audit-bus.js";
import { decideWebhook } from "../decide/decide-webhook.js";
import { createGitHubApi } from "../github/github-api.js";
import { createLogger } from "../logger.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import { findExecution } from "../store/executions.js";
import { claimNextDispatch } from "../store/outbox.js";
import { createEnvironmentProtection } from "./environment-protection.js";
import { createGitHubClient, type GitHubClient } from "./github-client.js";
import { createDispatcher, type Dispatcher } from "./github-dispatcher.js";
import { createOutboxWorker, type OutboxWorker, type OutboxWorkerOptions } from "./outbox-worker.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
const DISPATCH = "actions/create-workflow-dispatch";
const LIST_RUNS = "actions/list-workflow-runs";
const REPO = { owner: "acme", repo: "ops" };
const log = createLogger("silent");

let gh: GitHubEmulator;
let runbooks: RunbookSet;
let clock: { now: number };
let worker: OutboxWorker | undefined;
let settled: { id: string; outcome: string }[];

beforeEach(async () => {
  clock = { now: T0 };
  gh = await createGitHubEmulator({ now: () => new Date(clock.now) });
  runbooks = fixtureRunbooks();
  settled = [];
  worker = undefined;
});

afterEach(async () => {
  await worker?.stop();
  expect(gh.violations).toEqual([]);
  await gh.close();
});

/** The bridge's own Octokit (throttling + retry plugins) against the emulator. */
function bridgeClient(): GitHubClient {
  return createGitHubClient({ apiUrl: gh.url, ...REPO, auth: { kind: "token", token: "ghs_test" } }, log);
}

/**
 * A plain Octokit: no throttling plugin, so no 1 s spacing of writes (shared by every client
 * in the process). Tests about the bridge's own client (retry and throttling plugins) use that.
 */
function plainDispatcher(): Dispatcher {
  return createDispatcher(octokitFor(gh) as unknown as GitHubClient, REPO);
}

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "outbox_worker");

  async function startWorker(
    options: Partial<OutboxWorkerOptions> & { dispatcher?: Dispatcher } = {},
  ): Promise<OutboxWorker> {
    worker = createOutboxWorker({
      db: db.db,
      dispatcher: createDispatcher(bridgeClient(), REPO),
      runbooks: () => runbooks,
      bus: createAuditBus(),
      log,
      concurrency: 1,
      // Above the throttling plugin's 1 s spacing of writes, so a queued dispatch is not timed out.
      timeoutMs: 1_500,
      maxAttempts: 5,
      lookupGraceMs: 50,
      clock: () => clock.now,
      onSettled: (id, outcome) => settled.push({ id, outcome }),
      ...options,
    });
    await worker.start();
    return worker;
  }

  /** Decides alerts through the real path (one transaction, outbox rows) and returns their ids. */
  async function decide(alerts: ReturnType<typeof firingAlert>[]): Promise<string[]> {
    const { executions } = await decideWebhook(
      {
        db: db.db,
        runbooks,
        dryRun: false,
        storm: { max: 100, windowMs: 300_000, openForMs: 900_000 },
        staleAfterMs: 21_600_000,
        now: clock.now,
      },
      normalizeWebhook(webhook(alerts) as unknown as AlertmanagerWebhook),
    );
    return executions.map((e) => e.id as string);
  }

  // web-restart allows two dispatches an hour: tests needing more use disk-cleanup too.
  const nginx = (instance: string, severity = "critical") =>
    firingAlert({ instance: `${instance}:9113`, severity });
  const disk = (instance: string, severity: string) =>
    firingAlert({ alertname: "DiskFull", instance, severity });

  async function until(
    condition: () => boolean | Promise<boolean>,
    what: string,
    timeoutMs = 8_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  const outcomes = (id: string) => settled.filter((s) => s.id === id).map((s) => s.outcome);
  const settledAs = (id: string, outcome: string) => () => outcomes(id).includes(outcome);

  /** Moves the fake clock on and wakes the worker, as time passing would. */
  function advance(ms: number): void {
    clock.now += ms;
    worker?.wake();
  }

  async function auditKinds(id: string): Promise<string[]> {
    return (
      await db.rows<{ kind: string }>("select kind from audit_events where execution_id = ? order by id", id)
    ).map((row) => row.kind);
  }

  const operations = () => gh.requests.map((request) => `${request.operationId}:${request.status}`);

  describe("the outbox worker against the GitHub emulator", () => {
    it("dispatches the runbook's workflow and stores the run id (beyond 2^32) and URL", async () => {
      const [id] = (await decide([nginx("web-1")])) as [string];
      await startWorker();
      await until(settledAs(id, "dispatched"), "dispatched");

      const [run] = gh.runs();
      expect(run?.id).toBeGreaterThan(2 ** 32);
      expect(await findExecution(db.db, id)).toMatchObject({
        state: "dispatched",
        runId: run?.id,
        runUrl: `https://github.com/acme/ops/actions/runs/${run?.id}`,
        dispatchedAt: T0,
        dispatchAttempts: 1,
      });
      expect(await db.row("select state from outbox")).toEqual({ state: "done" });
      expect(await auditKinds(id)).toEqual(["decision.pending", "dispatch.attempt", "dispatch.accepted"]);
      expect(run?.displayTitle).toBe(`Remediate web-restart on web-1 [${id}]`);
    });

    it("sends exactly the declared inputs and return_run_details, at the runbook's ref", async () => {
      const [id] = (await decide([nginx("web-1")])) as [string];
      await startWorker({ dispatcher: plainDispatcher() });
      await until(settledAs(id, "dispatched"), "dispatched");
      const request = gh.requests.find((r) => r.operationId === DISPATCH);
      const body = request?.body as {
        ref: string;
        inputs: Record<string, string>;
        return_run_details: boolean;
      };
      expect(Object.keys(body).sort()).toEqual(["inputs", "ref", "return_run_details"]);
      expect(body.ref).toBe("main");
      expect(body.return_run_details).toBe(true);
      expect(Object.keys(body.inputs).sort()).toEqual([
        "alert",
        "execution_id",
        "run_name",
        "runbook",
        "runbook_sha",
        "severity",
        "target",
      ]);
      expect(body.inputs).toMatchObject({
        execution_id: id,
        runbook: "web-restart",
        target: "web-1",
        severity: "critical",
      });
      expect(body.inputs.runbook_sha).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(request?.path).toBe("/repos/acme/ops/actions/workflows/remediate.yml/dispatches");
    });

    it("sends a repository_dispatch with event type runbridge and a bounded client_payload", async () => {
      const [id] = (await decide([
        firingAlert({ alertname: "ApiErrors", service: "api", huge: "x".repeat(100_000) }),
      ])) as [string];
      await startWorker({ dispatcher: plainDispatcher() });
      await until(settledAs(id, "dispatched"), "dispatched");
      const [dispatch] = gh.dispatches();
      expect(dispatch).toMatchObject({ kind: "repository_dispatch", eventType: "runbridge" });
      const payload = (dispatch?.kind === "repository_dispatch" ? dispatch.clientPayload : undefined) ?? {};
      expect(Object.keys(payload).length).toBeLessThanOrEqual(10);
      expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(64 * 1024);
      expect(payload).toMatchObject({ execution_id: id, runbook: "api-approval", target: "api" });
      expect(await findExecution(db.db, id)).toMatchObject({ state: "dispatched", runId: null });
    });

    it("retries a 500 after looking for a run, and starts exactly one", async () => {
      gh.faults.push({ operationId: DISPATCH, times: 1, status: 500 });
      const [id] = (await decide([nginx("web-1")])) as [string];
      await startWorker();
      await until(settledAs(id, "retry"), "the 500 was scheduled for a retry");
      expect(await db.row("select uncertain_since from outbox")).toEqual({ uncertain_since: T0 });
      advance(10_000);
      await until(settledAs(id, "dispatched"), "dispatched on the second attempt");
      expect(operations()).toEqual([`${DISPATCH}:500`, `${LIST_RUNS}:200`, `${DISPATCH}:200`]);
      expect(gh.runs()).toHaveLength(1);
      expect(await auditKinds(id)).toEqual([
        "decision.pending",
        "dispatch.attempt",
        "dispatch.retry",
        "dispatch.attempt",
        "dispatch.accepted",
      ]);
      expect(await findExecution(db.db, id)).toMatchObject({ state: "dispatched", dispatchAttempts: 2 });
    });

    it("finds the run a lost 502 answer had started, and does not dispatch again", async () => {
      gh.faults.push({ operationId: DISPATCH, times: 1, status: 502, afterHandler: true });
      const [id] = (await decide([nginx("web-1")])) as [string];
      await startWorker();
      await until(settledAs(id, "retry"), "the 502 was scheduled for a retry");
      expect(gh.runs()).toHaveLength(1);
      advance(10_000);
      await until(settledAs(id, "recovered"), "the earlier run was found");
      const [run] = gh.runs();
      expect(gh.runs()).toHaveLength(1);
      expect(operations()).toEqual([`${DISPATCH}:502`, `${LIST_RUNS}:200`]);
      expect(await findExecution(db.db, id)).toMatchObject({ state: "dispatched", runId: run?.id });
      expect(await auditKinds(id)).toEqual([
        "decision.pending",
        "dispatch.attempt",
        "dispatch.retry",
        "dispatch.recovered",
      ]);
    });

    it("finds a repository_dispatch run after a lost answer by the execution id in its name", async () => {
      gh.faults.push({
        operationId: "repos/create-dispatch-event",
        times: 1,
        status: 504,
        afterHandler: true,
      });
      const [id] = (await decide([firingAlert({ alertname: "ApiErrors", service: "api" })])) as [string];
      await startWorker({ dispatcher: plainDispatcher() });
      await until(settledAs(id, "retry"), "the 504 was scheduled for a retry");
      advance(10_000);
      await until(settledAs(id, "recovered"), "the earlier run was found");
      expect(operations()).toEqual([
        "repos/create-dispatch-event:504",
        "actions/list-workflow-runs-for-repo:200",
      ]);
      expect(gh.runs()).toHaveLength(1);
      expect((await findExecution(db.db, id))?.runId).toBe(gh.runs()[0]?.id);
    });

    it.each([
      [
        "429 with retry-after",
        tooManyRequests({ operationId: DISPATCH, retryAfterSeconds: 2 }),
        2_000,
        "GitHub 429",
      ],
      [
        "a secondary rate limit",
        secondaryRateLimit({ operationId: DISPATCH, retryAfterSeconds: 3 }),
        3_000,
        "GitHub 403: You have exceeded a secondary rate limit",
      ],
    ])(
      "waits as long as GitHub asks after %s, then dispatches once",
      async (_case, fault, waitMs, message) => {
        gh.faults.push(fault);
        const [id] = (await decide([nginx("web-1")])) as [string];
        await startWorker();
        await until(settledAs(id, "retry"), "the rate limit was scheduled for a retry");
        expect(worker?.pausedUntil()).toBe(T0 + waitMs);
        const retry = (await db.row(
          "select message, data from audit_events where kind = 'dispatch.retry'",
        )) as {
          message: string;
          data: string;
        };
        expect(retry.message).toContain(message);
        expect(JSON.parse(retry.data)).toEqual({ uncertain: false, delayMs: waitMs });
        // Nothing is sent while paused, even when woken.
        advance(waitMs - 1);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(gh.requests).toHaveLength(1);
        advance(1);
        await until(settledAs(id, "dispatched"), "dispatched after the wait");
        // A rate-limited call did not reach GitHub, so there is no look-up.
        expect(operations()).toEqual([`${DISPATCH}:${fault.status}`, `${DISPATCH}:200`]);
        expect(gh.runs()).toHaveLength(1);
        expect((await auditKinds(id)).filter((kind) => kind === "dispatch.attempt")).toHaveLength(2);
      },
    );

    it("ends the execution as dispatch_failed with GitHub's message on a 422, counting a breaker failure", async () => {
      const fault = {
        operationId: DISPATCH,
        times: 2,
        status: 422,
        body: {
          message: 'Unexpected inputs provided: ["alert"]',
          documentation_url: "https://docs.github.com/rest",
        },
      };
      gh.faults.push(fault);
      const [first] = (await decide([nginx("web-1")])) as [string];
      await startWorker({ dispatcher: plainDispatcher() });
      await until(settledAs(first, "failed"), "failed");
      expect(await findExecution(db.db, first)).toMatchObject({
        state: "dispatch_failed",
        reason: 'dispatch failed: GitHub 422: Unexpected inputs provided: ["alert"]',
        finishedAt: T0,
      });
      expect(await db.row("select state, last_error from outbox")).toEqual({
        state: "failed",
        last_error: 'GitHub 422: Unexpected inputs provided: ["alert"]',
      });
      expect(await db.rows("select key, execution_id from breaker_failures")).toEqual([
        { key: "target:web-restart:web-1", execution_id: first },
      ]);

      // The runbook's breaker opens at its second failure (failures: 2).
      clock.now += 11 * 60_000;
      const [second] = (await decide([
        firingAlert({ instance: "web-1:9113" }, { startsAt: "2025-06-02T12:10:00Z" }),
      ])) as [string];
      worker?.wake();
      await until(settledAs(second, "failed"), "second failure");
      expect(await db.rows("select key, state from breakers")).toEqual([
        { key: "target:web-restart:web-1", state: "open" },
      ]);
      expect(await auditKinds(second)).toContain("breaker.opened");
      expect(gh.runs()).toHaveLength(0);
    });

    it("fails a dispatch of a workflow GitHub cannot start without retrying", async () => {
      const message = "Workflow does not have 'workflow_dispatch' trigger";
      gh.faults.push({
        operationId: DISPATCH,
        times: 1,
        status: 422,
        body: { message, documentation_url: "x" },
      });
      const [id] = (await decide([firingAlert({ alertname: "DiskFull", instance: "fs-1" })])) as [string];
      await startWorker({ dispatcher: plainDispatcher() });
      await until(settledAs(id, "failed"), "failed");
      expect((await findExecution(db.db, id))?.reason).toBe(`dispatch failed: GitHub 422: ${message}`);
      expect(gh.requests.map((r) => r.path)).toEqual([
        "/repos/acme/ops/actions/workflows/cleanup.yml/dispatches",
      ]);
      // disk-cleanup has no breaker: nothing to count.
      expect(await db.count("breaker_failures")).toBe(0);
    });

    it("times out a hanging call, treats it as uncertain and looks for a run before dispatching again", async () => {
      gh.faults.push({ operationId: DISPATCH, times: 1, hang: true });
      const [id] = (await decide([nginx("web-1")])) as [string];
      // The bridge's client spaces writes 1 s apart (throttling plugin) and a request's timeout
      // runs while it waits for its turn, so a timeout shorter than that would fail the next one.
      await startWorker({ timeoutMs: 1_200 });
      await until(settledAs(id, "retry"), "the hang timed out");
      const retry = (await db.row("select data from audit_events where kind = 'dispatch.retry'")) as {
        data: string;
      };
      expect(JSON.parse(retry.data)).toMatchObject({ uncertain: true });
      advance(10_000);
      await until(settledAs(id, "dispatched"), "dispatched after the look-up");
      expect(operations().slice(-2)).toEqual([`${LIST_RUNS}:200`, `${DISPATCH}:200`]);
      expect(gh.runs()).toHaveLength(1);
    });

    it("gives a look-up that times out back to the outbox at once instead of retrying it in the client", async () => {
      gh.faults.push({ operationId: LIST_RUNS, times: 1, hang: true });
      const [id] = (await decide([nginx("web-1")])) as [string];
      await claimNextDispatch(db.db, clock.now); // a crash left the row in flight: a look-up comes first
      const started = Date.now();
      await startWorker({ timeoutMs: 1_200 });
      advance(1_000);
      await until(settledAs(id, "retry"), "the look-up timed out and was rescheduled");
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await auditKinds(id)).at(-1)).toBe("dispatch.retry");
      advance(60_000);
      await until(settledAs(id, "dispatched"), "dispatched after a second look-up");
      expect(operations()).toEqual([`${LIST_RUNS}:undefined`, `${LIST_RUNS}:200`, `${DISPATCH}:200`]);
      expect(gh.runs()).toHaveLength(1);
    });

    it("dispatches critical alerts before warnings before info when several are waiting", async () => {
      const ids = await decide([disk("fs-1", "info"), nginx("web-2", "warning"), nginx("web-3", "critical")]);
      await startWorker({ dispatcher: plainDispatcher() });
      await until(() => settled.length === 3, "all three dispatched");
      expect(gh.dispatches().map((d) => (d.kind === "workflow_dispatch" ? d.inputs?.severity : ""))).toEqual([
        "critical",
        "warning",
        "info",
      ]);
      expect(ids).toHaveLength(3);
    });

    it("sends the critical alert first once a rate limit lifts", async () => {
      gh.faults.push(tooManyRequests({ operationId: DISPATCH, retryAfterSeconds: 5 }));
      const [warning] = (await decide([nginx("web-1", "warning")])) as [string];
      await startWorker({ dispatcher: plainDispatcher() });
      await until(settledAs(warning, "retry"), "throttled");
      clock.now += 1_000;
      await decide([disk("fs-1", "info"), nginx("web-3", "critical")]);
      advance(5_000);
      await until(() => settled.filter((s) => s.outcome === "dispatched").length === 3, "all dispatched");
      expect(gh.dispatches().map((d) => (d.kind === "workflow_dispatch" ? d.inputs?.severity : ""))).toEqual([
        "critical",
        "warning",
        "info",
      ]);
    });

    it("lets the call in flight finish and be recorded on stop(), and claims nothing more", async () => {
      gh.faults.push({ operationId: DISPATCH, times: 1, delayMs: 300 });
      const [first, second] = (await decide([nginx("web-1"), nginx("web-2")])) as [string, string];
      const running = await startWorker({ dispatcher: plainDispatcher() });
      await until(() => gh.requests.length === 1, "the first call is in flight");
      await running.stop();
      expect(await findExecution(db.db, first)).toMatchObject({
        state: "dispatched",
        runId: gh.runs()[0]?.id,
      });
      expect((await findExecution(db.db, second))?.state).toBe("pending");
      expect(await db.rows("select execution_id, state from outbox order by state")).toEqual([
        { execution_id: first, state: "done" },
        { execution_id: second, state: "pending" },
      ]);
      expect(gh.runs()).toHaveLength(1);
    });

    describe("after a crash (row left in flight)", () => {
      it("finds the run the crashed process had started and does not dispatch again", async () => {
        const [id] = (await decide([nginx("web-1")])) as [string];
        // The crashed process: claimed the row, reached GitHub, died before recording.
        const row = await claimNextDispatch(db.db, clock.now);
        expect(row?.state).toBe("in_flight");
        const execution = await findExecution(db.db, id);
        const runbook = runbooks.index.byName.get("web-restart")?.runbook;
        if (!execution || !runbook) throw new Error("fixture");
        await plainDispatcher().dispatch(execution, runbook, AbortSignal.timeout(1_000));

        clock.now += 5_000;
        await startWorker({ dispatcher: plainDispatcher() });
        await until(settledAs(id, "recovered"), "recovered");
        expect(gh.runs()).toHaveLength(1);
        expect(await findExecution(db.db, id)).toMatchObject({
          state: "dispatched",
          runId: gh.runs()[0]?.id,
        });
        expect(await auditKinds(id)).toEqual(["decision.pending", "dispatch.recovered"]);
      });

      it("dispatches exactly once when the crashed process had not reached GitHub", async () => {
        const [id] = (await decide([nginx("web-1")])) as [string];
        await claimNextDispatch(db.db, clock.now);
        await startWorker({ dispatcher: plainDispatcher() });
        // The look-up waits lookupGraceMs after the crash for a late run to show up.
        await new Promise((resolve) => setTimeout(resolve, 30));
        expect(gh.requests).toHaveLength(0);
        advance(1_000);
        await until(settledAs(id, "dispatched"), "dispatched");
        expect(operations()).toEqual([`${LIST_RUNS}:200`, `${DISPATCH}:200`]);
        expect(gh.runs()).toHaveLength(1);
        // The crashed claim counts (it may have sent); waiting out the grace period does not.
        expect((await findExecution(db.db, id))?.dispatchAttempts).toBe(2);
        const attempt = await db.rows("select message from audit_events where kind = 'dispatch.attempt'");
        expect(attempt).toEqual([{ message: "attempt 2: workflow_dispatch remediate.yml@main" }]);
      });
    });

    it("gives up after maxAttempts and says so", async () => {
      gh.faults.push({ operationId: DISPATCH, times: 10, status: 503 });
      const [id] = (await decide([nginx("web-1")])) as [string];
      await startWorker({ maxAttempts: 2, dispatcher: plainDispatcher() });
      await until(settledAs(id, "retry"), "first retry");
      advance(60_000);
      await until(settledAs(id, "failed"), "gave up");
      expect((await findExecution(db.db, id))?.reason).toMatch(
        /^dispatch failed: gave up after 2 attempts; last error: GitHub 503/,
      );
      expect(gh.runs()).toHaveLength(0);
    });

    describe("one failure path for the bridge's own errors", () => {
      it("a bug while dispatching is audited, looked up before the next attempt, and counted against maxAttempts", async () => {
        const [id] = (await decide([nginx("web-1")])) as [string];
        let calls = 0;
        const broken: Dispatcher = {
          async dispatch() {
            calls++;
            throw new TypeError("Cannot read properties of undefined (reading 'workflow_run_id')");
          },
          async findRun() {
            return undefined;
          },
        };
        await startWorker({ maxAttempts: 2, dispatcher: broken });
        await until(settledAs(id, "retry"), "first retry");
        const retry = (await db.row(
          "select message, data from audit_events where kind = 'dispatch.retry'",
        )) as {
          message: string;
          data: string;
        };
        expect(retry.message).toMatch(
          /^attempt 1 failed \(TypeError: .* \(an error in the bridge, not an answer from GitHub\)\)/,
        );
        expect(JSON.parse(retry.data)).toMatchObject({ uncertain: true });
        advance(60_000);
        await until(settledAs(id, "failed"), "gave up");
        expect(calls).toBe(2);
        expect(await findExecution(db.db, id)).toMatchObject({
          state: "dispatch_failed",
          reason: expect.stringMatching(/^dispatch failed: gave up after 2 attempts; last error: TypeError/),
        });
      });

      it("an error outside the call (reading the runbook set) takes the same path instead of re-queueing forever", async () => {
        const [id] = (await decide([nginx("web-1")])) as [string];
        let reads = 0;
        await startWorker({
          maxAttempts: 1,
          dispatcher: plainDispatcher(),
          runbooks: () => {
            if (reads++ === 0) throw new Error("runbook set unreadable");
            return runbooks;
          },
        });
        await until(settledAs(id, "failed"), "gave up");
        expect((await findExecution(db.db, id))?.reason).toMatch(
          /^dispatch failed: gave up after 1 attempts; last error: Error: runbook set unreadable/,
        );
        expect(gh.runs()).toHaveLength(0);
      });
    });

    // SQLite only: the disk fills through SQLite's page limit (max_page_count) and SQLITE_FULL.
    describe.runIf(engine === "sqlite")("a full disk", () => {
      it("sends nothing it cannot record, never crashes, and dispatches exactly once when space returns", async () => {
        const [id] = (await decide([nginx("web-1")])) as [string];
        // Fill the database to its page limit: every further audit row (the attempt's first) fails.
        const pages = ((await db.row("pragma page_count")) as { page_count: number }).page_count;
        await db.rows(`pragma max_page_count = ${pages + 8}`);
        // Audit rows are what every step writes first; fill their table's last pages too.
        const fill = (text: string) =>
          db.rows("INSERT INTO audit_events (at, kind, message) VALUES (0, 'kill_switch', ?)", text);
        for (const size of [1_000, 100, 10]) {
          try {
            for (;;) await fill("x".repeat(size));
          } catch (error) {
            expect(error).toMatchObject({ code: "SQLITE_FULL" });
          }
        }
        const failures: string[] = [];
        const storage = {
          failed: (error: unknown) => {
            failures.push(String((error as { code?: string }).code));
            return true;
          },
          succeeded: () => {},
          problem: () => undefined,
          counts: () => new Map(),
        };
        await startWorker({ dispatcher: plainDispatcher(), storage });
        await until(() => failures.length >= 2, "the worker met the full disk twice");
        expect(failures.every((code) => code === "SQLITE_FULL")).toBe(true);
        expect(gh.dispatches()).toHaveLength(0);
        expect((await findExecution(db.db, id))?.state).toBe("pending");

        await db.rows("DELETE FROM audit_events WHERE at = 0");
        await db.rows("pragma max_page_count = 1073741823");
        // The failure is recorded once space returns, and retried (after a look-up) when due.
        await until(
          async () => {
            advance(10_000);
            return (await findExecution(db.db, id))?.state === "dispatched";
          },
          "dispatched after space returned",
          15_000,
        );
        expect(gh.dispatches()).toHaveLength(1);
        expect(gh.runs()).toHaveLength(1);
      });
    });
  });

  describe("approval runbooks: whether GitHub will hold the run, asked before dispatching", () => {
    const api = (service: string) => firingAlert({ alertname: "ApiErrors", service });
    function approvals(announced: string[] = []): OutboxWorkerOptions["approvals"] {
      const github = createGitHubApi(octokitFor(gh) as unknown as GitHubClient, REPO);
      return {
        protection: createEnvironmentProtection({
          read: (name) => github.getEnvironment(name),
          ttlMs: 60_000,
        }),
        announce: async (id) => {
          announced.push(id);
        },
      };
    }

    it("an environment with required reviewers: dispatched, GitHub holds it", async () => {
      gh.state.setEnvironment("remediation-production", { reviewers: ["octocat"] });
      const [id] = (await decide([api("checkout")])) as [string];
      await startWorker({ dispatcher: plainDispatcher(), approvals: approvals() });
      await until(settledAs(id, "dispatched"), "dispatched");
      expect(gh.dispatches()).toHaveLength(1);
    });

    it("no reviewers: held in the bridge before anything is sent, the outbox row finished, approvers asked", async () => {
      gh.state.setEnvironment("remediation-production", { reviewers: [] });
      const announced: string[] = [];
      const [id] = (await decide([api("checkout")])) as [string];
      await startWorker({ dispatcher: plainDispatcher(), approvals: approvals(announced) });
      await until(settledAs(id, "held"), "held");
      expect(await findExecution(db.db, id)).toMatchObject({ state: "awaiting_approval", runId: null });
      expect((await findExecution(db.db, id))?.approvalHeldAt).not.toBeNull();
      expect(announced).toEqual([id]);
      expect(gh.dispatches()).toHaveLength(0);
      expect(await claimNextDispatch(db.db, clock.now + 60_000)).toBeUndefined();
      expect(await auditKinds(id)).toEqual(["decision.pending", "approval.held"]);
    });

    it("the environment cannot be read (403): given up with what to fix, nothing sent", async () => {
      gh.faults.push({ operationId: "repos/get-environment", times: 1, status: 403 });
      const [id] = (await decide([api("checkout")])) as [string];
      await startWorker({ dispatcher: plainDispatcher(), approvals: approvals() });
      await until(settledAs(id, "failed"), "failed");
      expect((await findExecution(db.db, id))?.reason).toMatch(
        /^dispatch failed: cannot read the protection of environment remediation-production \(GitHub 403: .*\); nothing was sent$/,
      );
      expect(gh.dispatches()).toHaveLength(0);
    });
  });
});
