import { describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { checkInvariants } from "./invariants.js";

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const database = useEngineStore(engine, "invariants");

  async function insertExecution(
    id: string,
    state: string,
    extra: { committedAt?: number } = {},
  ): Promise<void> {
    await database.rows(
      `INSERT INTO executions (id, occurrence_key, fingerprint, starts_at, alertname, severity, state, reason, alert, created_at, updated_at, committed_at)
       VALUES (?, ?, 'fp', '2026-12-01T10:00:00Z', 'NginxDown', 'critical', ?, 'test', '{}', 1, 1, ?)`,
      id,
      `occurrence-${id}`,
      state,
      extra.committedAt ?? null,
    );
  }

  async function audit(id: string): Promise<void> {
    await database.rows(
      "INSERT INTO audit_events (at, kind, execution_id, message) VALUES (1, 'decision', ?, 'decided')",
      id,
    );
  }

  async function outbox(id: string, state: string): Promise<void> {
    await database.rows(
      "INSERT INTO outbox (execution_id, priority, state, attempts, next_attempt_at, created_at, updated_at) VALUES (?, 0, ?, 0, 1, 1, 1)",
      id,
      state,
    );
  }

  describe("checkInvariants", () => {
    it("finds nothing in a consistent store", async () => {
      await insertExecution("ex_pending", "pending", { committedAt: 1 });
      await audit("ex_pending");
      await outbox("ex_pending", "pending");
      await insertExecution("ex_done", "succeeded", { committedAt: 1 });
      await audit("ex_done");
      await outbox("ex_done", "done");
      await insertExecution("ex_dry", "dry_run");
      await audit("ex_dry");
      expect(await checkInvariants(database.db)).toEqual([]);
    });

    it("names each broken invariant with the rows that break it", async () => {
      // pending without an outbox row, and never audited
      await insertExecution("ex_lost", "pending", { committedAt: 1 });
      // final, yet still waiting in the outbox
      await insertExecution("ex_final", "failed", { committedAt: 1 });
      await audit("ex_final");
      await outbox("ex_final", "in_flight");
      // counts as a dispatch without having been committed
      await insertExecution("ex_uncommitted", "running");
      await audit("ex_uncommitted");
      const broken = Object.fromEntries(
        (await checkInvariants(database.db)).map((v) => [v.invariant, v.rows]),
      );
      expect(broken["every pending execution has a live outbox row (pending or in flight)"]).toEqual([
        { id: "ex_lost", state: "pending" },
      ]);
      expect(broken["every execution has at least one audit event"]).toEqual([
        { id: "ex_lost", state: "pending" },
      ]);
      expect(broken["no execution is both final and waiting in the outbox"]).toEqual([
        { id: "ex_final", state: "failed" },
      ]);
      expect(
        broken["a live outbox row belongs to a pending execution (never a final or dispatched one)"],
      ).toEqual([{ execution_id: "ex_final", outbox_state: "in_flight", state: "failed" }]);
      expect(
        broken["an execution in a state that counts as a dispatch was committed (committed_at)"],
      ).toEqual([{ id: "ex_uncommitted", state: "running" }]);
    });
  });
});
