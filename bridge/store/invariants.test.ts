import { afterEach, describe, expect, it } from "vitest";
import { type TempDatabase, tempDatabase } from "../../test/fixtures/store/temp-database.js";
import { checkInvariants } from "./invariants.js";

let database: TempDatabase;
afterEach(() => database.remove());

function insertExecution(id: string, state: string, extra: { committedAt?: number } = {}): void {
  database.sqlite
    .prepare(
      `INSERT INTO executions (id, occurrence_key, fingerprint, starts_at, alertname, severity, state, reason, alert, created_at, updated_at, committed_at)
       VALUES (?, ?, 'fp', '2026-12-01T10:00:00Z', 'NginxDown', 'critical', ?, 'test', '{}', 1, 1, ?)`,
    )
    .run(id, `occurrence-${id}`, state, extra.committedAt ?? null);
}

function audit(id: string): void {
  database.sqlite
    .prepare(
      "INSERT INTO audit_events (at, kind, execution_id, message) VALUES (1, 'decision', ?, 'decided')",
    )
    .run(id);
}

function outbox(id: string, state: string): void {
  database.sqlite
    .prepare(
      "INSERT INTO outbox (execution_id, priority, state, attempts, next_attempt_at, created_at, updated_at) VALUES (?, 0, ?, 0, 1, 1, 1)",
    )
    .run(id, state);
}

describe("checkInvariants", () => {
  it("finds nothing in a consistent store", async () => {
    database = tempDatabase();
    insertExecution("ex_pending", "pending", { committedAt: 1 });
    audit("ex_pending");
    outbox("ex_pending", "pending");
    insertExecution("ex_done", "succeeded", { committedAt: 1 });
    audit("ex_done");
    outbox("ex_done", "done");
    insertExecution("ex_dry", "dry_run");
    audit("ex_dry");
    expect(await checkInvariants(database.db)).toEqual([]);
  });

  it("names each broken invariant with the rows that break it", async () => {
    database = tempDatabase();
    // pending without an outbox row, and never audited
    insertExecution("ex_lost", "pending", { committedAt: 1 });
    // final, yet still waiting in the outbox
    insertExecution("ex_final", "failed", { committedAt: 1 });
    audit("ex_final");
    outbox("ex_final", "in_flight");
    // counts as a dispatch without having been committed
    insertExecution("ex_uncommitted", "running");
    audit("ex_uncommitted");
    const broken = Object.fromEntries((await checkInvariants(database.db)).map((v) => [v.invariant, v.rows]));
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
    expect(broken["an execution in a state that counts as a dispatch was committed (committed_at)"]).toEqual([
      { id: "ex_uncommitted", state: "running" },
    ]);
  });
});
