// The outcome transitions against a real SQLite file: a succeeded run watches its alert; the
// resolved notification or the deadline check decides verified / not_cleared, each with its
// audit event and breaker bookkeeping in the same transaction; a rollback is its own outcome.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type TempDatabase, tempDatabase } from "../../test/fixtures/store/temp-database.js";
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

let db: TempDatabase;
let runbooks: RunbookSet;

beforeEach(() => {
  db = tempDatabase();
  runbooks = loopRunbooks();
});
afterEach(() => db.remove());

const deps = (now: number) => ({ db: db.db, runbooks: () => runbooks, now });
const row = (execution: Pick<Execution, "id">) => findExecution(db.db, execution.id) as Execution;

/** An nginx-loop execution whose alert started 2m before T0 and was dispatched 1m before T0, now running. */
function running(runId: number, target = "web-1"): Execution {
  return seedExecution(db.db, T0 - MINUTE, {
    runId,
    target,
    state: "running",
    startsAt: new Date(T0 - 2 * MINUTE).toISOString(),
    dispatchedAt: T0 - MINUTE,
  });
}

function succeed(runId: number, now = T0) {
  return recordRunState(deps(now), { runId, status: "completed", conclusion: "success" });
}

function resolve(execution: Execution, endsAt: number, now: number) {
  return inTransaction(db.db, (tx) =>
    recordAlertResolved(tx, deps(now), row(execution), {
      resolvedAt: new Date(endsAt).toISOString(),
      cancel: true,
      now,
    }),
  );
}

describe("a run that succeeded", () => {
  it("is watched: not final, not active on its target, due for its check outcome.within (15m by default) later", () => {
    const execution = running(1);
    expect(succeed(1).events.map((event) => event.kind)).toEqual(["execution.state"]);
    expect(row(execution)).toMatchObject({ state: "succeeded", verifyBy: T0 + 15 * MINUTE, finishedAt: T0 });
    expect(ACTIVE_STATES).not.toContain("succeeded");
    expect(outcomesDue(db.db, T0 + 15 * MINUTE - 1, 10)).toEqual([]);
    expect(outcomesDue(db.db, T0 + 15 * MINUTE, 10).map((due) => due.id)).toEqual([execution.id]);
  });

  it("resolved within the window: verified, with the time from the alert's start and from the dispatch", () => {
    const execution = running(2);
    succeed(2);
    const resolved = resolve(execution, T0 + 3 * MINUTE + 40_000, T0 + 4 * MINUTE);
    expect(resolved.state).toBe("verified");
    // A critical execution that ran ended: its post-incident review is queued (an issue channel).
    expect(resolved.events.map((event) => [event.kind, event.data?.topic ?? null])).toEqual([
      ["alert.resolved", null],
      ["execution.outcome", null],
      ["notification.queued", "execution.review"],
    ]);
    expect(row(execution)).toMatchObject({
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

  it("resolved only after the deadline: not_cleared, counted against the runbook's breaker", () => {
    const execution = running(3);
    succeed(3);
    resolve(execution, T0 + 16 * MINUTE, T0 + 17 * MINUTE);
    expect(row(execution).state).toBe("not_cleared");
    expect(row(execution).reason).toMatch(/after the deadline .* \(outcome\.within 15m after the run\)$/);
    expect(db.count("breaker_failures", `execution_id = '${execution.id}'`)).toBe(1);
  });

  it("resolved while the run was still going: verified the moment the run succeeds", () => {
    const execution = running(4);
    resolve(execution, T0 - 30_000, T0 - 20_000);
    expect(row(execution).state).toBe("running");
    const { events } = succeed(4);
    expect(events.map((event) => event.kind)).toEqual([
      "execution.state",
      "execution.outcome",
      "notification.queued",
    ]);
    expect(row(execution)).toMatchObject({ state: "verified", clearedAt: T0 - 30_000 });
    expect(row(execution).reason).toContain("it resolved before the run ended");
  });

  it("judged at the deadline: still active → not_cleared; gone → verified with only an upper bound", () => {
    const firing = running(5, "web-5");
    const gone = running(6, "web-6");
    succeed(5);
    succeed(6);
    const at = T0 + 20 * MINUTE;
    const source = "http://127.0.0.1:9093";
    // not_cleared is a failure the runbook's channels are told of (its fixture has two), and
    // the end of a critical execution that ran: its review issue.
    expect(
      judgeAtDeadline(deps(at), firing.id, { kind: "active", source }, at).map(
        (e) => e.data?.topic ?? e.kind,
      ),
    ).toEqual(["execution.outcome", "execution.failed", "execution.failed", "execution.review"]);
    expect(row(firing).reason).toBe(
      `not_cleared: still firing 15m after the run succeeded (outcome.within): Alertmanager (${source}) lists it active since ${firing.startsAt}`,
    );
    judgeAtDeadline(deps(at), gone.id, { kind: "inactive", source }, at);
    expect(row(gone)).toMatchObject({ state: "verified", clearedAt: at });
    expect(row(gone).reason).toMatch(
      /^verified: alert cleared at most 22m after it started, at most 21m after dispatch; Alertmanager .* no longer lists it/,
    );
    // Judged once: a second check (another pass, another replica) changes nothing.
    expect(judgeAtDeadline(deps(at), gone.id, { kind: "active", source }, at)).toEqual([]);
  });

  it("without ALERTMANAGER_URL: not_cleared, and the reason says it relied on notifications", () => {
    const execution = running(7);
    succeed(7);
    judgeAtDeadline(
      deps(T0 + 20 * MINUTE),
      execution.id,
      { kind: "unknown", why: "ALERTMANAGER_URL is unset, so the bridge relied on notifications only" },
      T0 + 20 * MINUTE,
    );
    expect(row(execution).reason).toBe(
      "not_cleared: no resolved notification within 15m after the run succeeded (outcome.within); ALERTMANAGER_URL is unset, so the bridge relied on notifications only",
    );
  });

  it("three not_cleared runs open the runbook's breaker (failures: 3)", () => {
    const at = T0 + 20 * MINUTE;
    const kinds = [8, 9, 10].map((runId) => {
      const execution = running(runId, `web-${runId}`);
      succeed(runId);
      return judgeAtDeadline(deps(at), execution.id, { kind: "active", source: "am" }, at).map((e) => e.kind);
    });
    // Each failure is told to the runbook's two channels; the opening breaker escalates through them too.
    // Each ended critical execution queues its review issue.
    const told = ["notification.queued", "notification.queued"];
    const review = "notification.queued";
    expect(kinds).toEqual([
      ["execution.outcome", ...told, review],
      ["execution.outcome", ...told, review],
      ["execution.outcome", "breaker.opened", ...told, ...told, review],
    ]);
    expect(queryAudit(db.db, { kind: "breaker.opened" })[0]?.message).toMatch(
      /^breaker runbook:nginx-loop opened: 3 failures within 1h/,
    );
  });
});

describe("a run that rolled back", () => {
  it("its rollback job succeeded and the run failed: rolled_back, not failed, and a breaker failure", () => {
    const execution = running(11);
    recordJobState(deps(T0), {
      runId: 11,
      jobId: 111,
      name: "verify",
      status: "completed",
      conclusion: "failure",
    });
    recordJobState(deps(T0), {
      runId: 11,
      jobId: 112,
      name: "rollback",
      status: "completed",
      conclusion: "success",
    });
    recordRunState(deps(T0), { runId: 11, status: "completed", conclusion: "failure" });
    expect(row(execution)).toMatchObject({
      state: "rolled_back",
      reason:
        "rolled_back: run 11 completed with conclusion failure; its rollback job succeeded: the target was rolled back",
      verifyBy: null,
    });
    expect(db.count("breaker_failures", `execution_id = '${execution.id}'`)).toBe(1);
  });

  it("the run's failure reported before its rollback job's success: failed, then rolled_back, counted once", () => {
    const execution = running(14, "web-14");
    recordRunState(deps(T0), { runId: 14, status: "completed", conclusion: "failure" });
    expect(row(execution).state).toBe("failed");
    const { events } = recordJobState(deps(T0 + 1_000), {
      runId: 14,
      jobId: 141,
      name: "rollback",
      status: "completed",
      conclusion: "success",
    });
    expect(events.map((event) => [event.kind, event.data])).toEqual([
      ["execution.state", { from: "failed", to: "rolled_back" }],
    ]);
    expect(row(execution).state).toBe("rolled_back");
    expect(db.count("breaker_failures", `execution_id = '${execution.id}'`)).toBe(1);
  });

  it("a failed rollback job is a failure, as is a run that failed with no rollback", () => {
    const broken = running(12, "web-12");
    recordJobState(deps(T0), {
      runId: 12,
      jobId: 121,
      name: "rollback",
      status: "completed",
      conclusion: "failure",
    });
    recordRunState(deps(T0), { runId: 12, status: "completed", conclusion: "failure" });
    const plain = running(13, "web-13");
    recordRunState(deps(T0), { runId: 13, status: "completed", conclusion: "failure" });
    expect([row(broken).state, row(plain).state]).toEqual(["failed", "failed"]);
  });
});
