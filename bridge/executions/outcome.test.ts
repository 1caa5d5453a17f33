// The outcome transitions against a real store, on SQLite and on PostgreSQL: a succeeded run
// watches its alert; the resolved notification or the deadline check decides verified /
// not_cleared, each with its audit event and breaker bookkeeping in the same transaction; a
// rollback is its own outcome.
import { beforeEach, describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { loopRunbooks, seedExecution } from "../../test/loop/seed.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import { queryAudit } from "../store/audit.js";
import { type Execution, findExecution, outcomesDue } from "../store/executions.js";
import { inTransaction } from "../store/transaction.js";
import { judgeAtDeadline } from "./outcome.js";
import { recordAlertResolved } from "./resolved.js";
import { recordJobState, recordRunState } from "./run.js";
import { ACTIVE_STATES } from "./states.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
const MINUTE = 60_000;

let runbooks: RunbookSet;

beforeEach(() => {
  runbooks = loopRunbooks();
});

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "outcome");

  const deps = (now: number) => ({ db: db.db, runbooks: () => runbooks, now });
  const row = async (execution: Pick<Execution, "id">) =>
    (await findExecution(db.db, execution.id)) as Execution;

  /** An nginx-loop execution whose alert started 2m before T0 and was dispatched 1m before T0, now running. */
  async function running(runId: number, target = "web-1"): Promise<Execution> {
    return await seedExecution(db.db, T0 - MINUTE, {
      runId,
      target,
      state: "running",
      startsAt: new Date(T0 - 2 * MINUTE).toISOString(),
      dispatchedAt: T0 - MINUTE,
    });
  }

  async function succeed(runId: number, now = T0) {
    return await recordRunState(deps(now), { runId, status: "completed", conclusion: "success" });
  }

  async function resolve(execution: Execution, endsAt: number, now: number) {
    return await inTransaction(
      db.db,
      async (tx) =>
        await recordAlertResolved(tx, deps(now), await row(execution), {
          resolvedAt: new Date(endsAt).toISOString(),
          cancel: true,
          now,
        }),
    );
  }

  describe("a run that succeeded", () => {
    it("is watched: not final, not active on its target, due for its check outcome.within (15m by default) later", async () => {
      const execution = await running(1);
      expect((await succeed(1)).events.map((event) => event.kind)).toEqual(["execution.state"]);
      expect(await row(execution)).toMatchObject({
        state: "succeeded",
        verifyBy: T0 + 15 * MINUTE,
        finishedAt: T0,
      });
      expect(ACTIVE_STATES).not.toContain("succeeded");
      expect(await outcomesDue(db.db, T0 + 15 * MINUTE - 1, 10)).toEqual([]);
      expect((await outcomesDue(db.db, T0 + 15 * MINUTE, 10)).map((due) => due.id)).toEqual([execution.id]);
    });

    it("resolved within the window: verified, with the time from the alert's start and from the dispatch", async () => {
      const execution = await running(2);
      await succeed(2);
      const resolved = await resolve(execution, T0 + 3 * MINUTE + 40_000, T0 + 4 * MINUTE);
      expect(resolved.state).toBe("verified");
      // A critical execution that ran ended: its post-incident review is queued (an issue channel).
      expect(resolved.events.map((event) => [event.kind, event.data?.topic ?? null])).toEqual([
        ["alert.resolved", null],
        ["execution.outcome", null],
        ["notification.queued", "execution.review"],
      ]);
      expect(await row(execution)).toMatchObject({
        state: "verified",
        clearedAt: T0 + 3 * MINUTE + 40_000,
        finishedAt: T0,
        reason: expect.stringMatching(
          /^verified: alert cleared 5m40s after it started, 4m40s after dispatch; Alertmanager reported it resolved at /,
        ),
      });
      expect(resolved.events[1]?.data).toMatchObject({
        to: "verified",
        exact: true,
        sinceStartMs: 5 * MINUTE + 40_000,
        sinceDispatchMs: 4 * MINUTE + 40_000,
      });
    });

    it("resolved only after the deadline: not_cleared, counted against the runbook's breaker", async () => {
      const execution = await running(3);
      await succeed(3);
      await resolve(execution, T0 + 16 * MINUTE, T0 + 17 * MINUTE);
      expect((await row(execution)).state).toBe("not_cleared");
      expect((await row(execution)).reason).toMatch(
        /after the deadline .* \(outcome\.within 15m after the run\)$/,
      );
      expect(await db.count("breaker_failures", `execution_id = '${execution.id}'`)).toBe(1);
    });

    it("resolved while the run was still going: verified the moment the run succeeds", async () => {
      const execution = await running(4);
      await resolve(execution, T0 - 30_000, T0 - 20_000);
      expect((await row(execution)).state).toBe("running");
      const { events } = await succeed(4);
      expect(events.map((event) => event.kind)).toEqual([
        "execution.state",
        "execution.outcome",
        "notification.queued",
      ]);
      expect(await row(execution)).toMatchObject({ state: "verified", clearedAt: T0 - 30_000 });
      expect((await row(execution)).reason).toContain("it resolved before the run ended");
    });

    it("judged at the deadline: still active → not_cleared; gone → verified with only an upper bound", async () => {
      const firing = await running(5, "web-5");
      const gone = await running(6, "web-6");
      await succeed(5);
      await succeed(6);
      const at = T0 + 20 * MINUTE;
      const source = "http://127.0.0.1:9093";
      // not_cleared is a failure the runbook's channels are told of (its fixture has two), and
      // the end of a critical execution that ran: its review issue.
      expect(
        (await judgeAtDeadline(deps(at), firing.id, { kind: "active", source }, at)).map(
          (e) => e.data?.topic ?? e.kind,
        ),
      ).toEqual(["execution.outcome", "execution.failed", "execution.failed", "execution.review"]);
      expect((await row(firing)).reason).toBe(
        `not_cleared: still firing 15m after the run succeeded (outcome.within): Alertmanager (${source}) lists it active since ${firing.startsAt}`,
      );
      await judgeAtDeadline(deps(at), gone.id, { kind: "inactive", source }, at);
      expect(await row(gone)).toMatchObject({ state: "verified", clearedAt: at });
      expect((await row(gone)).reason).toMatch(
        /^verified: alert cleared at most 22m after it started, at most 21m after dispatch; Alertmanager .* no longer lists it/,
      );
      // Judged once: a second check (another pass, another replica) changes nothing.
      expect(await judgeAtDeadline(deps(at), gone.id, { kind: "active", source }, at)).toEqual([]);
    });

    it("without ALERTMANAGER_URL: not_cleared, and the reason says it relied on notifications", async () => {
      const execution = await running(7);
      await succeed(7);
      await judgeAtDeadline(
        deps(T0 + 20 * MINUTE),
        execution.id,
        { kind: "unknown", why: "ALERTMANAGER_URL is unset, so the bridge relied on notifications only" },
        T0 + 20 * MINUTE,
      );
      expect((await row(execution)).reason).toBe(
        "not_cleared: no resolved notification within 15m after the run succeeded (outcome.within); ALERTMANAGER_URL is unset, so the bridge relied on notifications only",
      );
    });

    it("three not_cleared runs open the runbook's breaker (failures: 3)", async () => {
      const at = T0 + 20 * MINUTE;
      const kinds: string[][] = [];
      for (const runId of [8, 9, 10]) {
        const execution = await running(runId, `web-${runId}`);
        await succeed(runId);
        kinds.push(
          (await judgeAtDeadline(deps(at), execution.id, { kind: "active", source: "am" }, at)).map(
            (e) => e.kind,
          ),
        );
      }
      // Each failure is told to the runbook's two channels; the opening breaker escalates through them too.
      // Each ended critical execution queues its review issue.
      const told = ["notification.queued", "notification.queued"];
      const review = "notification.queued";
      expect(kinds).toEqual([
        ["execution.outcome", ...told, review],
        ["execution.outcome", ...told, review],
        ["execution.outcome", "breaker.opened", ...told, ...told, review],
      ]);
      expect((await queryAudit(db.db, { kind: "breaker.opened" }))[0]?.message).toMatch(
        /^breaker runbook:nginx-loop opened: 3 failures within 1h/,
      );
    });
  });

  describe("a run that rolled back", () => {
    it("its rollback job succeeded and the run failed: rolled_back, not failed, and a breaker failure", async () => {
      const execution = await running(11);
      await recordJobState(deps(T0), {
        runId: 11,
        jobId: 111,
        name: "verify",
        status: "completed",
        conclusion: "failure",
      });
      await recordJobState(deps(T0), {
        runId: 11,
        jobId: 112,
        name: "rollback",
        status: "completed",
        conclusion: "success",
      });
      await recordRunState(deps(T0), { runId: 11, status: "completed", conclusion: "failure" });
      expect(await row(execution)).toMatchObject({
        state: "rolled_back",
        reason:
          "rolled_back: run 11 completed with conclusion failure; its rollback job succeeded: the target was rolled back",
        verifyBy: null,
      });
      expect(await db.count("breaker_failures", `execution_id = '${execution.id}'`)).toBe(1);
    });

    it("the run's failure reported before its rollback job's success: failed, then rolled_back, counted once", async () => {
      const execution = await running(14, "web-14");
      await recordRunState(deps(T0), { runId: 14, status: "completed", conclusion: "failure" });
      expect((await row(execution)).state).toBe("failed");
      const { events } = await recordJobState(deps(T0 + 1_000), {
        runId: 14,
        jobId: 141,
        name: "rollback",
        status: "completed",
        conclusion: "success",
      });
      expect(events.map((event) => [event.kind, event.data])).toEqual([
        ["execution.state", { from: "failed", to: "rolled_back" }],
      ]);
      expect((await row(execution)).state).toBe("rolled_back");
      expect(await db.count("breaker_failures", `execution_id = '${execution.id}'`)).toBe(1);
    });

    it("a failed rollback job is a failure, as is a run that failed with no rollback", async () => {
      const broken = await running(12, "web-12");
      await recordJobState(deps(T0), {
        runId: 12,
        jobId: 121,
        name: "rollback",
        status: "completed",
        conclusion: "failure",
      });
      await recordRunState(deps(T0), { runId: 12, status: "completed", conclusion: "failure" });
      const plain = await running(13, "web-13");
      await recordRunState(deps(T0), { runId: 13, status: "completed", conclusion: "failure" });
      expect([(await row(broken)).state, (await row(plain)).state]).toEqual(["failed", "failed"]);
    });
  });
});
