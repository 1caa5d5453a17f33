import { describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import type { ExecutionState } from "../executions/states.js";
import { recordAlertDelivery } from "./alerts.js";
import { appendAudit } from "./audit.js";
import { addBreakerFailure } from "./breakers.js";
import { insertExecution } from "./execution-writes.js";
import { newExecutionId } from "./ids.js";
import { queueNotification } from "./notifications.js";
import { enqueueDispatch } from "./outbox.js";
import { startPruner } from "./pruner.js";
import { writeRunJob } from "./run-jobs.js";

const DAY = 86_400_000;
const RETENTION = 90 * DAY;
const T0 = Date.parse("2025-01-01T00:00:00Z");
/** "Now" for the pruner: T0 is 200 days old. */
const NOW = T0 + 200 * DAY;
const RECENT = NOW - DAY;

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "pruner");

  const pruner = (batchSize = 500) =>
    startPruner({
      db: db.db,
      retentionMs: RETENTION,
      now: () => NOW,
      batchSize,
      pauseMs: 0,
      firstPassAfterMs: 3_600_000,
    });

  let serial = 0;
  /** An execution decided at `at`, in `state`, with its decision's audit event. */
  async function execution(
    state: ExecutionState,
    at: number,
    outbox?: "pending" | "in_flight" | "done",
  ): Promise<string> {
    const id = newExecutionId(at);
    const fingerprint = `f${serial++}`;
    await insertExecution(db.db, {
      id,
      occurrenceKey: `${fingerprint}@2025-01-01T00:00:00.000Z`,
      fingerprint,
      startsAt: "2025-01-01T00:00:00.000Z",
      alertname: "NginxDown",
      severity: "critical",
      runbook: "web-restart",
      state,
      reason: "scene",
      alert: {},
      createdAt: at,
      updatedAt: at,
      committedAt: outbox ? at : null,
    });
    await appendAudit(db.db, { at, kind: "decision.suppressed", executionId: id, message: "decided" });
    if (outbox) {
      await enqueueDispatch(db.db, id, "critical", at);
      await db.rows("update outbox set state = ? where execution_id = ?", outbox, id);
    }
    return id;
  }

  const exists = async (table: string, column: string, id: string) =>
    (await db.count(table as "executions", `${column} = '${id}'`)) > 0;

  /** A notification about execution `id`, in `state`. */
  async function notification(
    id: string,
    state: "pending" | "in_flight" | "sent",
    key: string,
  ): Promise<void> {
    await queueNotification(
      db.db,
      {
        dedupKey: key,
        channel: "slack",
        topic: "execution.failed",
        executionId: id,
        breakerKey: null,
        runbook: "web-restart",
        thread: `execution:${id}/slack#0`,
        request: { channel: "slack", webhookSecret: "HOOK", text: "failed" },
      },
      T0,
    );
    await db.rows("update notifications set state = ? where dedup_key = ?", state, key);
  }

  describe("startPruner", () => {
    it("deletes an old execution's sent notifications with it, and keeps one whose notification is still to be sent", async () => {
      const sent = await execution("failed", T0, "done");
      await notification(sent, "sent", "a");
      const waiting = await execution("failed", T0, "done");
      await notification(waiting, "pending", "b");
      await pruner().runPass();
      expect(await exists("executions", "id", sent)).toBe(false);
      expect(await exists("notifications", "execution_id", sent)).toBe(false);
      expect(await exists("executions", "id", waiting)).toBe(true);
      expect(await exists("notifications", "execution_id", waiting)).toBe(true);
    });

    it("deletes a final execution older than the retention with its outbox row, run jobs, breaker failures and audit events", async () => {
      const id = await execution("failed", T0, "done");
      await writeRunJob(db.db, {
        jobId: 1,
        executionId: id,
        runId: 7,
        name: "remediate",
        status: "completed",
        conclusion: "failure",
        updatedAt: T0,
      });
      await addBreakerFailure(db.db, "runbook:web-restart", id, T0);
      const pass = await pruner().runPass();
      for (const table of ["executions", "outbox", "breaker_failures", "audit_events"] as const) {
        expect(await db.count(table), table).toBe(0);
      }
      expect(await db.row("select count(*) as n from run_jobs")).toEqual({ n: 0 });
      expect(pass).toMatchObject({ deleted: { executions: 4, auditEvents: 1 }, interrupted: false });
    });

    it("keeps an execution that is not final, and its audit events, however old", async () => {
      const running = await execution("running", T0, "done");
      await pruner().runPass();
      expect(await exists("executions", "id", running)).toBe(true);
      expect(await exists("outbox", "execution_id", running)).toBe(true);
      expect(await exists("audit_events", "execution_id", running)).toBe(true);
    });

    it("keeps a final execution whose outbox row is still pending or in flight", async () => {
      const pending = await execution("cancelled", T0, "pending");
      const inFlight = await execution("cancelled", T0, "in_flight");
      await pruner().runPass();
      expect(await exists("executions", "id", pending)).toBe(true);
      expect(await exists("executions", "id", inFlight)).toBe(true);
    });

    it("keeps an old execution its occurrence is still delivered to (the dedup anchor), with its history", async () => {
      const anchor = await execution("succeeded", T0);
      await appendAudit(db.db, { at: RECENT, kind: "duplicate", executionId: anchor, message: "duplicate" });
      await pruner().runPass();
      expect(await exists("executions", "id", anchor)).toBe(true);
      expect(await db.count("audit_events", `execution_id = '${anchor}'`)).toBe(2);
    });

    it("keeps what is younger than the retention", async () => {
      const recent = await execution("succeeded", RECENT);
      await appendAudit(db.db, { at: RECENT, kind: "kill_switch", message: "recent" });
      const pass = await pruner().runPass();
      expect(await exists("executions", "id", recent)).toBe(true);
      expect(await db.count("audit_events")).toBe(2);
      expect(pass.deleted).toEqual({ executions: 0, auditEvents: 0, alerts: 0 });
    });

    it("deletes alert rows last delivered before the cutoff, but not one an unfinished execution answers", async () => {
      const alert = async (fingerprint: string, at: number) =>
        await recordAlertDelivery(
          db.db,
          {
            fingerprint,
            startsAt: "2025-01-01T00:00:00.000Z",
            alertname: "NginxDown",
            status: "firing",
            labels: { alertname: "NginxDown" },
            annotations: {},
          },
          at,
        );
      await alert("old", T0);
      await alert("still-delivered", T0);
      await alert("still-delivered", RECENT);
      const running = await execution("awaiting_approval", T0, "done");
      await alert(`f${serial - 1}`, T0);
      await alert("new", RECENT);
      await pruner().runPass();
      const left = await db.rows<{ fingerprint: string }>("select fingerprint from alerts");
      expect(left.map((row) => row.fingerprint).sort()).toEqual(
        ["still-delivered", `f${serial - 1}`, "new"].sort(),
      );
      expect(await exists("executions", "id", running)).toBe(true);
    });

    it("walks a large backlog in batches of the given size, each its own transaction", async () => {
      for (let index = 0; index < 25; index++) await execution("suppressed", T0 + index);
      for (let index = 0; index < 40; index++)
        await appendAudit(db.db, { at: T0 + index, kind: "kill_switch", message: "old" });
      const kept = await execution("suppressed", RECENT);
      const pass = await pruner(10).runPass();
      expect(pass.deleted).toEqual({ executions: 25, auditEvents: 65, alerts: 0 });
      // 25 executions in 3 batches and an empty one; 66 audit rows in 7 batches (the last finds none old).
      expect(pass.batches).toBeGreaterThanOrEqual(3 + 7);
      expect(await db.count("executions")).toBe(1);
      expect(await exists("executions", "id", kept)).toBe(true);
    });

    it("runs a pass by itself after the first delay and reports it", async () => {
      await execution("suppressed", T0);
      const passes: unknown[] = [];
      const started = startPruner({
        db: db.db,
        retentionMs: RETENTION,
        now: () => NOW,
        pauseMs: 0,
        firstPassAfterMs: 10,
        onPass: (pass) => passes.push(pass.deleted),
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await started.stop();
      expect(passes).toEqual([{ executions: 1, auditEvents: 1, alerts: 0 }]);
    });

    it("stops between batches when stopped, leaving the rest for the next start", async () => {
      for (let index = 0; index < 50; index++)
        await appendAudit(db.db, { at: T0, kind: "kill_switch", message: "old" });
      const started = startPruner({
        db: db.db,
        retentionMs: RETENTION,
        now: () => NOW,
        batchSize: 5,
        pauseMs: 50,
        firstPassAfterMs: 3_600_000,
      });
      const pass = started.runPass();
      // A first batch ran (and is committed); ten batches with 50 ms pauses would take 450 ms.
      await new Promise((resolve) => setTimeout(resolve, 60));
      await started.stop();
      const result = await pass;
      expect(result.interrupted).toBe(true);
      expect(await db.count("audit_events")).toBeGreaterThan(0);
      expect(await db.count("audit_events")).toBeLessThan(50);
    });
  });
});
