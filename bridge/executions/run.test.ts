import { beforeEach, describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { loopRunbooks, runName, seedExecution } from "../../test/loop/seed.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import { queryAudit } from "../store/audit.js";
import { updateExecution } from "../store/execution-writes.js";
import { type Execution, findExecution } from "../store/executions.js";
import { type AlertCheck, judgeAtDeadline } from "./outcome.js";
import { findExecutionForRun, type RunTrackingDeps, recordJobState, recordRunState } from "./run.js";

/** Alertmanager no longer lists the alert. */
const gone: AlertCheck = { kind: "inactive", source: "http://127.0.0.1:9093" };

const T0 = Date.parse("2025-06-02T12:00:00Z");
const MINUTE = 60_000;

let runbooks: RunbookSet;
let now: number;

beforeEach(() => {
  runbooks = loopRunbooks();
  now = T0;
});

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "run_tracking");

  const deps = (): RunTrackingDeps => ({ db: db.db, runbooks: () => runbooks, now });
  const state = async (execution: Execution) => (await findExecution(db.db, execution.id))?.state;
  const stateEvents = async (execution: Execution) =>
    (await queryAudit(db.db, { executionId: execution.id, kind: "execution.state" }))
      .reverse()
      .map((event) => `${(event.data as { from: string }).from}→${(event.data as { to: string }).to}`);

  async function run(runId: number, status: string, conclusion: string | null = null, displayTitle?: string) {
    return await recordRunState(deps(), { runId, status, conclusion, displayTitle });
  }
  async function job(
    runId: number,
    jobId: number,
    status: string,
    conclusion: string | null = null,
    name = "remediate",
  ) {
    return await recordJobState(deps(), { runId, jobId, name, status, conclusion });
  }

  describe("correlation", () => {
    it("finds the execution by the run id the dispatch returned", async () => {
      const execution = await seedExecution(db.db, now, { runId: 1001 });
      expect((await findExecutionForRun(db.db, 1001))?.id).toBe(execution.id);
      const { events } = await run(1001, "queued");
      expect(await state(execution)).toBe("queued");
      expect(events).toMatchObject([
        {
          kind: "execution.state",
          executionId: execution.id,
          message: "dispatched → queued: run 1001 is queued",
        },
      ]);
    });

    it("links a repository_dispatch run (no run id yet) through the [ex_…] marker in its name", async () => {
      const execution = await seedExecution(db.db, now);
      await recordRunState(deps(), {
        runId: 2002,
        runUrl: "https://github.com/acme/infra/actions/runs/2002",
        status: "queued",
        displayTitle: runName(execution),
      });
      expect(await findExecution(db.db, execution.id)).toMatchObject({
        runId: 2002,
        runUrl: "https://github.com/acme/infra/actions/runs/2002",
        state: "queued",
      });
      // From now on jobs (which carry only the run id) find it too.
      await job(2002, 1, "waiting");
      expect(await state(execution)).toBe("awaiting_approval");
    });

    it("an alert whose target carries another execution's marker cannot take that execution's run", async () => {
      const victim = await seedExecution(db.db, now);
      const attacker = await seedExecution(db.db, now);
      // What GitHub shows for the attacker's run if the target reached the name unescaped.
      const forged = `Remediate web-restart on web-1 [${victim.id}] [${attacker.id}]`;
      await run(3003, "completed", "failure", forged);
      expect(await state(victim)).toBe("dispatched");
      expect(await findExecution(db.db, attacker.id)).toMatchObject({ runId: 3003, state: "failed" });
      // A marker anywhere but at the end is nobody's.
      await run(3004, "completed", "failure", `Remediate web-restart on [${victim.id}] web-1`);
      expect(await state(victim)).toBe("dispatched");
    });

    it("a run name cannot relink an execution that already has its run", async () => {
      const execution = await seedExecution(db.db, now, { runId: 4004 });
      await run(4005, "completed", "failure", runName(execution));
      expect(await findExecution(db.db, execution.id)).toMatchObject({ runId: 4004, state: "dispatched" });
    });

    it("links the run even when the observation itself is old news", async () => {
      const execution = await seedExecution(db.db, now, { state: "queued" });
      const { events } = await run(2003, "queued", null, runName(execution));
      expect(events).toEqual([]);
      expect((await findExecution(db.db, execution.id))?.runId).toBe(2003);
    });

    it("ignores runs the bridge did not start", async () => {
      await seedExecution(db.db, now, { runId: 1001 });
      expect(await run(9999, "completed", "success", "CI for main")).toEqual({ events: [] });
      expect(await job(9999, 5, "waiting")).toEqual({ events: [] });
      expect(await queryAudit(db.db, {})).toEqual([]);
    });
  });

  describe("states never move backwards", () => {
    it("completed, then a late in_progress: stays succeeded, nothing written", async () => {
      const execution = await seedExecution(db.db, now, { runId: 1001 });
      await run(1001, "completed", "success");
      expect(await state(execution)).toBe("succeeded");
      expect((await findExecution(db.db, execution.id))?.finishedAt).toBe(now);
      expect((await run(1001, "in_progress")).events).toEqual([]);
      expect((await run(1001, "queued")).events).toEqual([]);
      expect((await job(1001, 1, "waiting")).events).toEqual([]);
      expect(await state(execution)).toBe("succeeded");
      expect(await stateEvents(execution)).toEqual(["dispatched→succeeded"]);
    });

    it("times a second wait for reviewers (rollback after remediate) afresh, to be escalated on its own", async () => {
      const execution = await seedExecution(db.db, now, { runId: 1001 });
      await job(1001, 2, "waiting", undefined, "remediate");
      await updateExecution(db.db, execution.id, { approvalEscalatedAt: now });
      now += 40 * MINUTE;
      await job(1001, 2, "in_progress", undefined, "remediate");
      await job(1001, 2, "completed", "failure", "remediate");
      now += MINUTE;
      await job(1001, 3, "waiting", undefined, "rollback");
      expect(await findExecution(db.db, execution.id)).toMatchObject({
        state: "awaiting_approval",
        awaitingSince: now,
        approvalEscalatedAt: null,
      });
    });

    it("a redelivered event changes nothing the second time", async () => {
      const execution = await seedExecution(db.db, now, { runId: 1001 });
      expect((await run(1001, "in_progress")).events).toHaveLength(1);
      expect((await run(1001, "in_progress")).events).toEqual([]);
      expect((await job(1001, 7, "in_progress")).events).toEqual([]);
      expect((await job(1001, 7, "in_progress")).events).toEqual([]);
      expect(await stateEvents(execution)).toEqual(["dispatched→running"]);
    });

    it("queued → awaiting_approval (job waiting) → running (job approved) → succeeded, each an audit event", async () => {
      const execution = await seedExecution(db.db, now, { runId: 1001 });
      await run(1001, "queued");
      await job(1001, 1, "completed", "success", "health-check");
      now += MINUTE;
      await job(1001, 2, "waiting");
      expect(await findExecution(db.db, execution.id)).toMatchObject({
        state: "awaiting_approval",
        awaitingSince: now,
        reason: 'awaiting_approval: job "remediate" is waiting for approval',
      });
      now += MINUTE;
      await job(1001, 2, "in_progress");
      expect(await state(execution)).toBe("running");
      await run(1001, "completed", "success");
      expect(await stateEvents(execution)).toEqual([
        "dispatched→queued",
        "queued→running",
        "running→awaiting_approval",
        "awaiting_approval→running",
        "running→succeeded",
      ]);
    });

    it("a job's waiting delivered after its in_progress: stays running", async () => {
      const execution = await seedExecution(db.db, now, { runId: 1001, state: "queued" });
      await job(1001, 2, "in_progress");
      expect(await state(execution)).toBe("running");
      expect((await job(1001, 2, "waiting")).events).toEqual([]);
      expect((await job(1001, 2, "queued")).events).toEqual([]);
      expect(await state(execution)).toBe("running");
    });

    it("a run's in_progress while its remediate job waits: stays awaiting_approval", async () => {
      const execution = await seedExecution(db.db, now, { runId: 1001, state: "queued" });
      await job(1001, 2, "waiting");
      expect((await run(1001, "in_progress")).events).toEqual([]);
      expect(await state(execution)).toBe("awaiting_approval");
    });

    it("a stale run status `waiting` after the job was approved: stays running", async () => {
      const execution = await seedExecution(db.db, now, { runId: 1001, state: "queued" });
      await job(1001, 2, "waiting");
      await job(1001, 2, "in_progress");
      expect((await run(1001, "waiting")).events).toEqual([]);
      expect(await state(execution)).toBe("running");
    });

    it("a run awaiting approval without job news still says so (run status waiting)", async () => {
      const execution = await seedExecution(db.db, now, { runId: 1001, state: "queued" });
      await run(1001, "waiting");
      expect(await state(execution)).toBe("awaiting_approval");
    });

    it.each([
      ["success", "succeeded"],
      ["failure", "failed"],
      ["cancelled", "cancelled"],
      ["timed_out", "failed"],
    ])("conclusion %s ends it as %s", async (conclusion, final) => {
      const execution = await seedExecution(db.db, now, { runId: 1001, state: "running" });
      await run(1001, "completed", conclusion);
      expect(await findExecution(db.db, execution.id)).toMatchObject({ state: final, finishedAt: now });
    });
  });

  describe("the circuit breaker at the runbook's scope", () => {
    const breakerRow = () =>
      db.rows<{ key: string; state: string; halfOpenAt: number | null }>(
        'select key, state, half_open_at as "halfOpenAt" from breakers',
      );

    async function failOne(runId: number, target = `web-${runId}`) {
      const execution = await seedExecution(db.db, now, { runId, target, state: "running" });
      return { execution, result: await run(runId, "completed", "failure") };
    }

    it("three failures (any targets of the runbook) open it; each failure is counted once", async () => {
      const first = await failOne(1);
      now += MINUTE;
      await failOne(2);
      // A redelivered failure counts nothing more.
      expect((await run(2, "completed", "failure")).events).toEqual([]);
      expect(await db.count("breaker_failures", "key = 'runbook:nginx-loop'")).toBe(2);
      expect(await breakerRow()).toEqual([]);
      // Each failure tells the runbook's channels (Slack, and an issue for a critical alert) once,
      // and queues the execution's post-incident review.
      expect(first.result.events.map((event) => event.data?.topic ?? event.kind)).toEqual([
        "execution.state",
        "execution.failed",
        "execution.failed",
        "execution.review",
      ]);
      now += MINUTE;
      const third = await failOne(3);
      // The opening breaker escalates in the same transaction: an issue for it and a Slack post.
      expect(third.result.events.map((event) => [event.kind, event.data?.topic ?? null])).toEqual([
        ["execution.state", null],
        ["breaker.opened", null],
        ["notification.queued", "breaker.opened"],
        ["notification.queued", "breaker.opened"],
        ["notification.queued", "execution.failed"],
        ["notification.queued", "execution.failed"],
        ["notification.queued", "execution.review"],
      ]);
      expect(third.result.events[1]?.message).toMatch(
        /^breaker runbook:nginx-loop opened: 3 failures within 1h/,
      );
      expect(await breakerRow()).toEqual([
        { key: "runbook:nginx-loop", state: "open", halfOpenAt: now + 30 * MINUTE },
      ]);
    });

    it("a cancelled run does not count", async () => {
      for (const runId of [1, 2, 3]) {
        await seedExecution(db.db, now, { runId, target: `web-${runId}`, state: "queued" });
        await run(runId, "completed", "cancelled");
      }
      expect(await db.count("breaker_failures")).toBe(0);
    });

    it("the half-open probe's verified outcome closes it, not its run's success; a verdict while open (not yet half-open) does not", async () => {
      for (const runId of [1, 2, 3]) await failOne(runId);
      const openedAt = now;
      now = openedAt + 10 * MINUTE;
      const early = await seedExecution(db.db, now, { runId: 10, state: "running" });
      expect((await run(10, "completed", "success")).events.map((event) => event.kind)).toEqual([
        "execution.state",
      ]);
      expect(
        (await judgeAtDeadline(deps(), early.id, gone, now)).map((event) => event.data?.topic ?? event.kind),
      ).toEqual(["execution.outcome", "execution.review"]);
      expect(await db.count("notifications", "topic = 'breaker.closed'")).toBe(0);
      expect((await breakerRow())[0]?.state).toBe("open");
      expect(await state(early)).toBe("verified");

      now = openedAt + 31 * MINUTE;
      const probe = await seedExecution(db.db, now, { runId: 11, state: "running" });
      expect((await run(11, "completed", "success")).events.map((event) => event.kind)).toEqual([
        "execution.state",
      ]);
      expect((await breakerRow())[0]?.state).toBe("open");
      now += MINUTE;
      const events = await judgeAtDeadline(deps(), probe.id, gone, now);
      // Closing goes where the opening went: the breaker's issue is closed, Slack is told.
      expect(events.map((event) => [event.kind, event.data?.topic ?? null])).toEqual([
        ["execution.outcome", null],
        ["breaker.closed", null],
        ["notification.queued", "breaker.closed"],
        ["notification.queued", "breaker.closed"],
        ["notification.queued", "execution.review"],
      ]);
      expect(events[1]?.message).toContain("half-open probe");
      expect((await breakerRow())[0]?.state).toBe("closed");
    });

    it("the half-open probe's failure opens it again", async () => {
      for (const runId of [1, 2, 3]) await failOne(runId);
      now += 31 * MINUTE;
      const { result } = await failOne(12);
      expect(
        result.events.map((event) => event.kind).filter((kind) => !kind.startsWith("notification.")),
      ).toEqual(["execution.state", "breaker.opened"]);
      expect(result.events[1]?.message).toContain("half-open probe");
      // Once per opening: the reopening is a second opening, queued once more (a comment on the open issue).
      expect(await db.count("notifications", "topic = 'breaker.opened'")).toBe(4);
    });
  });
});
