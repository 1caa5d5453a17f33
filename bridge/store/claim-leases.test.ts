// Leases, on both engines: an outbox claim answers for its row only while its lease runs (the
// claimant renews it; a bridge that died stops renewing, and a bridge sharing the database takes
// the row back, uncertain, so it is looked up before it is dispatched again), and the named
// lease that decides which bridge runs the timers.
import { describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { insertExecution } from "./execution-writes.js";
import { holdLease, leaseHolder, releaseLease } from "./leases.js";
import { claimNextDispatch, enqueueDispatch, releaseInFlight, renewDispatchLease } from "./outbox.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
const MINUTE = 60_000;

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "leases");

  async function pending(id: string): Promise<void> {
    await insertExecution(db.db, {
      id,
      occurrenceKey: `${id}@x`,
      fingerprint: id,
      startsAt: "2025-06-02T11:59:00.000Z",
      alertname: "NginxDown",
      severity: "critical",
      runbook: "web-restart",
      state: "pending",
      reason: "dispatching",
      alert: {},
      createdAt: T0,
      updatedAt: T0,
      committedAt: T0,
    });
    await enqueueDispatch(db.db, id, "critical", T0);
  }

  describe("an outbox claim's lease", () => {
    it("keeps the row its claimant's while renewed, and hands it back, uncertain, once it ran out", async () => {
      await pending("ex_a");
      const claimed = await claimNextDispatch(db.db, T0, T0 + MINUTE);
      expect(claimed).toMatchObject({ executionId: "ex_a", state: "in_flight", leaseUntil: T0 + MINUTE });

      // Another bridge looks for abandoned rows: this one is still leased.
      expect(await releaseInFlight(db.db, T0 + 30_000, "expired")).toEqual([]);
      // Its claimant renews while GitHub takes its time.
      await renewDispatchLease(db.db, "ex_a", T0 + 2 * MINUTE);
      expect(await releaseInFlight(db.db, T0 + 90_000, "expired")).toEqual([]);
      expect(await db.row("select state, lease_until from outbox")).toEqual({
        state: "in_flight",
        lease_until: T0 + 2 * MINUTE,
      });

      // The claimant died: the lease runs out, and the row goes back to the queue, uncertain.
      const released = await releaseInFlight(db.db, T0 + 2 * MINUTE, "expired");
      expect(released.map((row) => row.executionId)).toEqual(["ex_a"]);
      expect(await db.row("select state, lease_until, uncertain_since from outbox")).toEqual({
        state: "pending",
        lease_until: null,
        uncertain_since: T0,
      });
      expect(await claimNextDispatch(db.db, T0 + 2 * MINUTE)).toMatchObject({
        executionId: "ex_a",
        attempts: 2,
      });
    });

    it("hands back every row in flight at the start of a bridge alone on its database", async () => {
      await pending("ex_b");
      await claimNextDispatch(db.db, T0, T0 + MINUTE);
      expect((await releaseInFlight(db.db, T0 + 1_000, "all")).map((row) => row.executionId)).toEqual([
        "ex_b",
      ]);
    });

    it("does not hand back a row whose claimant finished it meanwhile", async () => {
      await pending("ex_c");
      await claimNextDispatch(db.db, T0, T0 + MINUTE);
      await db.rows("update outbox set state = 'done' where execution_id = ?", "ex_c");
      expect(await releaseInFlight(db.db, T0 + 2 * MINUTE, "expired")).toEqual([]);
      expect(await db.row("select state from outbox")).toEqual({ state: "done" });
    });
  });

  describe("a named lease", () => {
    it("is held by one holder at a time, renewed by it, and taken over once it expired or was given up", async () => {
      expect(await holdLease(db.db, "timers", "bridge-1", T0, T0 + 30_000)).toBe(true);
      expect(await holdLease(db.db, "timers", "bridge-2", T0 + 1_000, T0 + 31_000)).toBe(false);
      // The holder renews before it runs out.
      expect(await holdLease(db.db, "timers", "bridge-1", T0 + 20_000, T0 + 50_000)).toBe(true);
      expect(await holdLease(db.db, "timers", "bridge-2", T0 + 40_000, T0 + 70_000)).toBe(false);
      expect(await leaseHolder(db.db, "timers")).toEqual({ holder: "bridge-1", expiresAt: T0 + 50_000 });
      // bridge-1 died: once its lease ran out, bridge-2 takes it.
      expect(await holdLease(db.db, "timers", "bridge-2", T0 + 50_000, T0 + 80_000)).toBe(true);
      expect(await holdLease(db.db, "timers", "bridge-1", T0 + 51_000, T0 + 81_000)).toBe(false);
      // bridge-2 stops and gives it up: bridge-1 takes it at once.
      await releaseLease(db.db, "timers", "bridge-2");
      expect(await holdLease(db.db, "timers", "bridge-1", T0 + 52_000, T0 + 82_000)).toBe(true);
      // Giving up a lease one does not hold changes nothing.
      await releaseLease(db.db, "timers", "bridge-2");
      expect(await leaseHolder(db.db, "timers")).toEqual({ holder: "bridge-1", expiresAt: T0 + 82_000 });
    });

    it("goes to exactly one of several bridges asking at the same instant", async () => {
      const asked = await Promise.all(
        ["a", "b", "c", "d"].map((holder) => holdLease(db.db, "race", holder, T0, T0 + 30_000)),
      );
      expect(asked.filter(Boolean)).toHaveLength(1);
    });
  });
});
