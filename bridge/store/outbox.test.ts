import { describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { insertExecution } from "./execution-writes.js";
import {
  cancelPendingDispatch,
  claimNextDispatch,
  enqueueDispatch,
  finishDispatch,
  nextReadyAt,
  outboxDepth,
  postponeClaim,
  releaseInFlight,
  retryDispatchLater,
  severityPriority,
} from "./outbox.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "outbox");

  async function pending(id: string, severity: string, at = T0): Promise<void> {
    await insertExecution(db.db, {
      id,
      occurrenceKey: `${id}@x`,
      fingerprint: id,
      startsAt: "2025-06-02T11:59:00.000Z",
      alertname: "NginxDown",
      severity,
      runbook: "web-restart",
      state: "pending",
      reason: "dispatching",
      alert: {},
      createdAt: at,
      updatedAt: at,
      committedAt: at,
    });
    await enqueueDispatch(db.db, id, severity, at);
  }

  describe("severityPriority", () => {
    it.each([
      ["critical", 0],
      ["CRITICAL", 0],
      ["page", 0],
      ["error", 1],
      ["warning", 2],
      ["whatever", 3],
      ["none", 3],
      ["info", 4],
    ])("ranks %s as %i", (severity, rank) => {
      expect(severityPriority(severity)).toBe(rank);
    });
  });

  describe("the outbox", () => {
    it("claims critical before warning before info, then oldest first, counting each attempt", async () => {
      await pending("ex_info", "info", T0);
      await pending("ex_warn_old", "warning", T0 + 1);
      await pending("ex_warn_new", "warning", T0 + 2);
      await pending("ex_crit", "critical", T0 + 3);
      const order: string[] = [];
      for (
        let row = await claimNextDispatch(db.db, T0 + 10);
        row;
        row = await claimNextDispatch(db.db, T0 + 10)
      ) {
        expect(row).toMatchObject({ state: "in_flight", attempts: 1 });
        order.push(row.executionId);
      }
      expect(order).toEqual(["ex_crit", "ex_warn_old", "ex_warn_new", "ex_info"]);
      expect(await outboxDepth(db.db)).toBe(4);
    });

    it("does not claim a row before its next attempt time, and says when that is", async () => {
      await pending("ex_1", "critical");
      await claimNextDispatch(db.db, T0);
      await retryDispatchLater(db.db, "ex_1", T0 + 5_000, T0, "GitHub 502", true);
      expect(await claimNextDispatch(db.db, T0 + 4_999)).toBeUndefined();
      expect(await nextReadyAt(db.db)).toBe(T0 + 5_000);
      expect(await claimNextDispatch(db.db, T0 + 5_000)).toMatchObject({
        executionId: "ex_1",
        attempts: 2,
        uncertainSince: T0,
        lastError: "GitHub 502",
      });
    });

    it("releases rows a crashed process left in flight as uncertain, so they are looked up first", async () => {
      await pending("ex_1", "critical");
      await pending("ex_2", "warning");
      await claimNextDispatch(db.db, T0 + 100);
      const released = await releaseInFlight(db.db, T0 + 60_000);
      expect(released.map((row) => row.executionId)).toEqual(["ex_1"]);
      expect(
        await db.rows(
          "select execution_id, state, uncertain_since, next_attempt_at from outbox order by execution_id",
        ),
      ).toEqual([
        { execution_id: "ex_1", state: "pending", uncertain_since: T0 + 100, next_attempt_at: T0 + 60_000 },
        { execution_id: "ex_2", state: "pending", uncertain_since: null, next_attempt_at: T0 },
      ]);
    });

    it("hands a claimed row back unsent without counting the claim as an attempt", async () => {
      await pending("ex_1", "critical");
      await claimNextDispatch(db.db, T0);
      await postponeClaim(db.db, "ex_1", T0 + 10_000, T0 + 1);
      expect(await db.row("select state, attempts, next_attempt_at from outbox")).toEqual({
        state: "pending",
        attempts: 0,
        next_attempt_at: T0 + 10_000,
      });
    });

    it("cancels only a row that is pending and certain not to have reached GitHub", async () => {
      await pending("ex_pending", "critical");
      await pending("ex_uncertain", "critical");
      await pending("ex_flight", "critical");
      await pending("ex_done", "critical");
      await retryDispatchLater(db.db, "ex_uncertain", T0, T0, "timeout", true);
      await db.rows("update outbox set state = 'in_flight' where execution_id = 'ex_flight'");
      await finishDispatch(db.db, "ex_done", "done", T0);
      expect(await cancelPendingDispatch(db.db, "ex_pending", T0)).toBe(true);
      expect(await cancelPendingDispatch(db.db, "ex_uncertain", T0)).toBe(false);
      expect(await cancelPendingDispatch(db.db, "ex_flight", T0)).toBe(false);
      expect(await cancelPendingDispatch(db.db, "ex_done", T0)).toBe(false);
      expect(await cancelPendingDispatch(db.db, "ex_missing", T0)).toBe(false);
    });

    it("refuses an outbox row without its execution (foreign key)", async () => {
      const failure = await enqueueDispatch(db.db, "ex_nobody", "critical", T0).catch(
        (error: Error) => error,
      );
      // SQLite: "FOREIGN KEY constraint failed"; PostgreSQL's error is the cause of drizzle's "Failed query".
      const text = `${(failure as Error).message} ${((failure as Error).cause as Error | undefined)?.message}`;
      expect(text).toMatch(/FOREIGN KEY|foreign key constraint/);
    });
  });
});
