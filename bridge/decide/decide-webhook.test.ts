import { beforeEach, describe, expect, it } from "vitest";
import { firingAlert, fixture, type WebhookBody, webhook } from "../../test/fixtures/alertmanager/index.js";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { fixtureRunbooks } from "../../test/fixtures/store/temp-database.js";
import { normalizeWebhook } from "../alerts/normalize.js";
import { checkStartsAt } from "../alerts/starts-at.js";
import { checkAlertmanagerWebhook } from "../alerts/validate.js";
import { countFailure } from "../executions/breaker-changes.js";
import type { StormLimit } from "../guards/types.js";
import { loadRunbookSet, type RunbookSet } from "../runbooks/runbook-set.js";
import { updateExecution } from "../store/execution-writes.js";
import { findExecution } from "../store/executions.js";
import { setEnabled } from "../store/settings.js";
import { decideWebhook } from "./decide-webhook.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
const MINUTE = 60_000;

let runbooks: RunbookSet;
let storm: StormLimit;
let dryRun: boolean;

beforeEach(() => {
  runbooks = fixtureRunbooks();
  storm = { max: 30, windowMs: 5 * MINUTE, openForMs: 15 * MINUTE };
  dryRun = false;
});

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "decide");

  async function deliver(body: WebhookBody | unknown, now = T0) {
    const check = checkAlertmanagerWebhook(body);
    if (!check.ok) throw new Error(check.error);
    return await decideWebhook(
      { db: db.db, runbooks, dryRun, storm, staleAfterMs: 6 * 60 * MINUTE, now },
      normalizeWebhook(check.webhook),
    );
  }

  /** One firing NginxDown (web-restart) occurrence on `instance`, starting at `startsAt`. */
  const nginx = (
    instance: string,
    startsAt = "2025-06-02T11:59:00Z",
    status: "firing" | "resolved" = "firing",
  ) => webhook([firingAlert({ instance: `${instance}:9113` }, { startsAt, status })]);

  const disk = (instance: string, startsAt: string) =>
    webhook([firingAlert({ alertname: "DiskFull", instance, severity: "warning" }, { startsAt })]);

  /** The canonical text a startsAt is keyed under. */
  function checkedStart(text: string): string {
    const check = checkStartsAt(text);
    if (!check.ok) throw new Error(check.problem);
    return check.canonical;
  }

  async function outboxState(id: string | null): Promise<string | undefined> {
    return (await db.row<{ state: string }>("select state from outbox where execution_id = ?", id))?.state;
  }

  describe("decideWebhook", () => {
    describe("a dispatch", () => {
      it("records the alert, a pending execution, its audit event and its outbox row, and answers with them", async () => {
        const { executions, events } = await deliver(fixture("firing"));
        expect(executions).toEqual([
          {
            id: expect.stringMatching(/^ex_[0-9a-z]{18}$/),
            runbook: "web-restart",
            state: "pending",
            reason: "dispatching web-restart on web-1 via remediate.yml@main",
          },
        ]);
        const id = executions[0]?.id as string;
        expect(await findExecution(db.db, id)).toMatchObject({
          runbook: "web-restart",
          target: "web-1",
          mode: "auto",
          severity: "critical",
          fingerprint: "5c2bd3a8e1f04a77",
          startsAt: "2025-06-02T12:00:00.123456789Z",
          occurrenceKey: "5c2bd3a8e1f04a77@2025-06-02T12:00:00.123456789Z",
          committedAt: T0,
          runbookHash: expect.stringMatching(/^[0-9a-f]{64}$/),
          alert: expect.objectContaining({ labels: expect.objectContaining({ instance: "web-1:9113" }) }),
        });
        expect(await db.rows("select * from outbox")).toMatchObject([
          {
            execution_id: id,
            state: "pending",
            priority: 0,
            attempts: 0,
            next_attempt_at: T0,
            uncertain_since: null,
          },
        ]);
        expect(events).toMatchObject([{ kind: "decision.pending", executionId: id, runbook: "web-restart" }]);
        expect(await db.count("alerts")).toBe(1);
        expect(await db.count("audit_events")).toBe(1);
      });
    });

    describe("what is stored of an alert", () => {
      it("keeps an alert whose labels and annotations hold NUL (PostgreSQL stores U+FFFD in its place)", async () => {
        const body = webhook([
          firingAlert(
            { instance: "web-1:9113", "evil\u0000key": "a\u0000b" },
            { annotations: { summary: "nul \u0000 inside" } },
          ),
        ]);
        const [decided] = (await deliver(body)).executions;
        expect(decided?.state).toBe("pending");
        const row = (await db.row("select labels, annotations from alerts")) as {
          labels: string;
          annotations: string;
        };
        const nul = db.engine === "postgres" ? "\uFFFD" : "\u0000";
        expect(JSON.parse(row.labels)).toMatchObject({ [`evil${nul}key`]: `a${nul}b` });
        expect(JSON.parse(row.annotations)).toEqual({ summary: `nul ${nul} inside` });
        // Delivered again (an HA peer): the same occurrence, a duplicate.
        expect((await deliver(body, T0 + 1_000)).executions[0]?.state).toBe("duplicate");
      });

      it("stores a 1 MB label bounded and marked in the alert row and on the execution, and 20 deliveries stay small", async () => {
        const pages = () => db.sizeBytes();
        const huge = "x".repeat(1_048_576);
        await deliver(disk("db-0", "2025-06-02T11:00:00Z"));
        const before = await pages();
        for (let index = 1; index <= 20; index++) {
          const startsAt = new Date(Date.parse("2025-06-02T11:00:00Z") + index * MINUTE).toISOString();
          const body = webhook([
            firingAlert({ alertname: "DiskFull", instance: "db-1", severity: "warning", huge }, { startsAt }),
          ]);
          const alert = body.alerts[0] as { annotations: Record<string, string> };
          alert.annotations = { ...alert.annotations, description: huge };
          await deliver(body, T0 + index * MINUTE);
        }
        // Unbounded, this was more than 40 MB (the label and the annotation, on each occurrence).
        expect((await pages()) - before).toBeLessThan(2 * 1_048_576);
        const row = (await db.row(
          "select labels, annotations from alerts where cast(labels as text) like '%db-1%' limit 1",
        )) as { labels: string; annotations: string };
        const labels = JSON.parse(row.labels) as Record<string, string>;
        expect(labels.instance).toBe("db-1");
        expect(labels.huge).toMatch(/…\[truncated 1047552 chars\]$/);
        expect(JSON.parse(row.annotations).description).toMatch(/…\[truncated 1047552 chars\]$/);
        const stored = (await db.row(
          "select max(length(cast(labels as text)) + length(cast(annotations as text))) as n from alerts",
        )) as { n: number };
        expect(stored.n).toBeLessThan(4_096);
        const execution = (await db.row(
          "select alert from executions where cast(alert as text) like '%db-1%' limit 1",
        )) as { alert: string };
        expect(JSON.parse(execution.alert).labels.huge).toBe(labels.huge);
      });
    });

    describe("identity: one execution per alert occurrence", () => {
      it("decides an occurrence delivered three times (HA peers, retries) once and answers duplicate after", async () => {
        const first = (await deliver(fixture("firing"), T0)).executions[0];
        const second = (await deliver(fixture("firing"), T0 + 1_000)).executions[0];
        const third = (await deliver(fixture("firing"), T0 + 60_000)).executions[0];
        expect(first?.state).toBe("pending");
        for (const again of [second, third]) {
          expect(again).toEqual({
            id: first?.id,
            runbook: "web-restart",
            state: "duplicate",
            reason: `duplicate: this occurrence was already decided as pending (${first?.id})`,
          });
        }
        expect(await db.count("executions")).toBe(1);
        expect(await db.count("outbox")).toBe(1);
        expect(await db.row("select deliveries from alerts")).toEqual({ deliveries: 3 });
        expect(await db.count("audit_events", "kind = 'duplicate'")).toBe(2);
      });

      it("answers duplicate to an HA peer that writes the same startsAt in another zone and precision", async () => {
        const first = (await deliver(nginx("web-1", "2025-06-02T12:00:00.5Z"), T0)).executions[0];
        const peer = (await deliver(nginx("web-1", "2025-06-02T14:00:00.500000+02:00"), T0 + 10))
          .executions[0];
        expect(peer).toMatchObject({ id: first?.id, state: "duplicate" });
        expect(await db.count("executions")).toBe(1);
      });

      it.each([
        ["Go's zero time and a leap second", "0001-01-01T00:00:00Z", "2016-12-31T23:59:60Z"],
        ["a leap second and the Unix epoch", "2016-12-31T23:59:60Z", "1970-01-01T00:00:00Z"],
        ["two starts a microsecond apart", "2025-06-02T11:59:00.000001Z", "2025-06-02T11:59:00.000002Z"],
      ])("keeps %s as two occurrences, each under its own startsAt", async (_case, one, other) => {
        const first = (await deliver(nginx("web-1", one), T0)).executions[0];
        const second = (await deliver(nginx("web-1", other), T0 + MINUTE)).executions[0];
        expect(second?.state).not.toBe("duplicate");
        expect(second?.id).not.toBe(first?.id);
        const keys = await db.rows("select occurrence_key as key from executions order by created_at");
        expect(keys.map((row) => (row as { key: string }).key.split("@")[1])).toEqual([
          checkedStart(one),
          checkedStart(other),
        ]);
      });

      it("treats a suppressed occurrence delivered again as a duplicate too, not as a new decision", async () => {
        const body = nginx("db-1");
        const first = (await deliver(body)).executions[0];
        expect(first?.state).toBe("suppressed");
        expect((await deliver(body, T0 + 1_000)).executions[0]?.state).toBe("duplicate");
        expect(await db.count("executions")).toBe(1);
      });

      it("decides a new startsAt as a new occurrence (here suppressed by the cooldown)", async () => {
        const first = (await deliver(nginx("web-1", "2025-06-02T11:59:00Z"), T0)).executions[0];
        const later = (await deliver(nginx("web-1", "2025-06-02T12:02:30Z"), T0 + 3 * MINUTE)).executions[0];
        expect(later?.id).not.toBe(first?.id);
        expect(later).toEqual({
          id: expect.any(String),
          runbook: "web-restart",
          state: "suppressed",
          reason: `cooldown: web-restart on web-1 last dispatched 3m ago (${first?.id}); next allowed 12:10:00Z`,
        });
        expect(await db.count("executions")).toBe(2);
        expect(await db.count("outbox")).toBe(1);
        expect(await findExecution(db.db, later?.id as string)).toMatchObject({
          guard: "cooldown",
          committedAt: null,
        });
      });
    });

    describe("guards against the store", () => {
      it("applies the cooldown per target: another host dispatches", async () => {
        await deliver(nginx("web-1"));
        expect((await deliver(nginx("web-2"), T0 + MINUTE)).executions[0]?.state).toBe("pending");
      });

      it("dispatches again once the cooldown has passed and the earlier run finished", async () => {
        const first = (await deliver(nginx("web-1", "2025-06-02T11:59:00Z"))).executions[0];
        await updateExecution(db.db, first?.id as string, { state: "succeeded", updatedAt: T0 + 5 * MINUTE });
        expect(
          (await deliver(nginx("web-1", "2025-06-02T12:10:00Z"), T0 + 10 * MINUTE)).executions[0]?.state,
        ).toBe("pending");
      });

      it("limits a runbook to maxPerHour dispatches in a sliding hour, saying when the next slot opens", async () => {
        await deliver(nginx("web-1"), T0);
        await deliver(nginx("web-2"), T0 + 10 * MINUTE);
        const third = (await deliver(nginx("web-3"), T0 + 20 * MINUTE)).executions[0];
        expect(third).toMatchObject({
          state: "suppressed",
          reason:
            "maxPerHour: web-restart dispatched 2 times in the last hour (limit 2); next slot 13:00:00Z",
        });
        expect(
          (await deliver(nginx("web-4", "2025-06-02T12:59:00Z"), T0 + 60 * MINUTE)).executions[0]?.state,
        ).toBe("pending");
      });

      it("allows one active execution per runbook + target", async () => {
        const first = (await deliver(disk("fs-1", "2025-06-02T11:00:00Z"), T0)).executions[0];
        const second = (await deliver(disk("fs-1", "2025-06-02T11:30:00Z"), T0 + 2 * MINUTE)).executions[0];
        expect(second).toMatchObject({
          state: "suppressed",
          reason: `active execution: disk-cleanup on fs-1 already has ${first?.id} (pending since 2m ago)`,
        });
        expect(
          (await deliver(disk("fs-2", "2025-06-02T11:30:00Z"), T0 + 2 * MINUTE)).executions[0]?.state,
        ).toBe("pending");
        await updateExecution(db.db, first?.id as string, { state: "failed", updatedAt: T0 + 3 * MINUTE });
        expect(
          (await deliver(disk("fs-1", "2025-06-02T11:45:00Z"), T0 + 4 * MINUTE)).executions[0]?.state,
        ).toBe("pending");
      });

      it("no longer blocks on an active execution not heard of for staleAfter", async () => {
        await deliver(disk("fs-1", "2025-06-02T11:00:00Z"), T0);
        expect(
          (await deliver(disk("fs-1", "2025-06-02T18:00:00Z"), T0 + 6 * 60 * MINUTE + 1)).executions[0]
            ?.state,
        ).toBe("pending");
      });

      it("opens the global breaker when the storm limit is passed; later decisions say global breaker", async () => {
        storm = { max: 2, windowMs: 5 * MINUTE, openForMs: 15 * MINUTE };
        await deliver(nginx("web-1"), T0);
        await deliver(disk("fs-1", "2025-06-02T11:00:00Z"), T0 + 1_000);
        const third = (await deliver(disk("fs-2", "2025-06-02T11:00:00Z"), T0 + 2_000)).executions[0];
        expect(third).toMatchObject({
          state: "suppressed",
          reason:
            "storm limit: 2 dispatches across all runbooks in the last 5m (limit 2); global breaker opened until 12:15:02Z",
        });
        expect(await db.rows("select key, state, closes_automatically from breakers")).toEqual([
          { key: "global", state: "open", closes_automatically: 1 },
        ]);
        expect(await db.count("audit_events", "kind = 'breaker.opened'")).toBe(1);

        const fourth = (await deliver(nginx("web-5"), T0 + 3_000)).executions[0];
        expect(fourth?.state).toBe("suppressed");
        expect(fourth?.reason).toMatch(
          /^circuit breaker: global breaker is open \(storm limit: 2 dispatches/,
        );
        expect(fourth?.reason).toContain("half-open at 12:15:02Z");

        // After openFor the storm breaker closes by itself (the window has emptied too).
        expect((await deliver(nginx("web-6"), T0 + 16 * MINUTE)).executions[0]?.state).toBe("pending");
      });

      it("says breaker open once a target's breaker opened, then lets exactly one probe through when half-open", async () => {
        const breaker = runbooks.index.byName.get("web-restart")?.runbook.guards?.breaker;
        for (const id of ["ex_f1", "ex_f2"]) {
          await countFailure(db.db, {
            runbook: "web-restart",
            target: "web-1",
            executionId: id,
            config: breaker,
            now: T0,
            why: "verify failed",
          });
        }
        const refused = (await deliver(nginx("web-1"), T0 + MINUTE)).executions[0];
        expect(refused?.reason).toMatch(
          /^circuit breaker: breaker target:web-restart:web-1 is open \(2 failures within 1h .*\); half-open at 12:30:00Z$/,
        );
        expect((await deliver(nginx("web-2"), T0 + MINUTE)).executions[0]?.state).toBe("pending");

        const probe = (await deliver(nginx("web-1", "2025-06-02T12:30:00Z"), T0 + 31 * MINUTE)).executions[0];
        expect(probe?.state).toBe("pending");
        await updateExecution(db.db, probe?.id as string, {
          state: "succeeded",
          updatedAt: T0 + 32 * MINUTE,
        });
        expect((await findExecution(db.db, probe?.id as string))?.state).toBe("succeeded");
      });

      it("refuses a second execution while the half-open probe runs", async () => {
        const breaker = runbooks.index.byName.get("api-approval")?.runbook.guards?.breaker;
        await countFailure(db.db, {
          runbook: "api-approval",
          target: "api",
          executionId: "ex_f1",
          config: breaker,
          now: T0,
          why: "rollback failed",
        });
        const api = async (service: string, startsAt: string) =>
          webhook([firingAlert({ alertname: "ApiErrors", service }, { startsAt })]);
        const probe = (await deliver(await api("api", "2025-06-02T12:10:00Z"), T0 + 11 * MINUTE))
          .executions[0];
        expect(probe?.state).toBe("pending");
        const other = (await deliver(await api("checkout", "2025-06-02T12:11:00Z"), T0 + 12 * MINUTE))
          .executions[0];
        expect(other).toMatchObject({
          state: "suppressed",
          reason: `circuit breaker: breaker runbook:api-approval is half-open and its probe ${probe?.id} has not finished`,
        });
      });

      it("a half-open probe whose run succeeded has not finished until its alert is judged", async () => {
        const breaker = runbooks.index.byName.get("api-approval")?.runbook.guards?.breaker;
        await countFailure(db.db, {
          runbook: "api-approval",
          target: "api",
          executionId: "ex_f1",
          config: breaker,
          now: T0,
          why: "not_cleared",
        });
        const api = async (service: string, startsAt: string) =>
          webhook([firingAlert({ alertname: "ApiErrors", service }, { startsAt })]);
        const probe = (await deliver(await api("api", "2025-06-02T12:10:00Z"), T0 + 11 * MINUTE))
          .executions[0];
        await updateExecution(db.db, probe?.id as string, {
          state: "succeeded",
          updatedAt: T0 + 12 * MINUTE,
        });
        expect(
          (await deliver(await api("checkout", "2025-06-02T12:13:00Z"), T0 + 13 * MINUTE)).executions[0]
            ?.reason,
        ).toBe(
          `circuit breaker: breaker runbook:api-approval is half-open and its probe ${probe?.id} has not finished`,
        );
      });

      it("records but does not dispatch while the kill switch is off", async () => {
        await setEnabled(db.db, false, T0);
        expect((await deliver(nginx("web-1"))).executions[0]).toMatchObject({
          runbook: "web-restart",
          state: "suppressed",
          reason:
            "kill switch: automation is switched off (POST /api/kill-switch or RUNBRIDGE_ENABLED=false)",
        });
        expect(await db.count("outbox")).toBe(0);
        expect(await db.count("alerts")).toBe(1);
      });

      it("records an alert no runbook matches", async () => {
        const result = (await deliver(webhook([firingAlert({ alertname: "SomethingElse" })]))).executions[0];
        expect(result).toEqual({
          id: expect.any(String),
          runbook: null,
          state: "suppressed",
          reason: "no runbook: no runbook matches this alert (alertname SomethingElse)",
        });
        expect(await findExecution(db.db, result?.id as string)).toMatchObject({
          guard: "no_runbook",
          runbook: null,
        });
        expect(await db.count("outbox")).toBe(0);
      });

      it("refuses a target outside the runbook's allow-list", async () => {
        expect((await deliver(nginx("db-1"))).executions[0]).toMatchObject({
          state: "suppressed",
          reason: "target not allowed: db-1 is not in web-restart's allow-list (web-*)",
        });
      });
    });

    describe("mode", () => {
      it("records a notify runbook without dispatching; with no channel to tell, notify_failed says so", async () => {
        const result = (await deliver(webhook([firingAlert({ alertname: "HighAuthenticationFailureRate" })])))
          .executions[0];
        expect(result).toMatchObject({
          runbook: "security-notify",
          state: "notifying",
          reason: "notify only: security-notify records and notifies, never remediates",
        });
        expect(await db.count("outbox")).toBe(0);
        expect(await db.count("notifications")).toBe(0);
        expect(
          await db.count(
            "executions",
            `state = 'notify_failed' AND reason LIKE 'notify_failed: no notify channel of security-notify applies to severity critical%'`,
          ),
        ).toBe(1);
      });

      it("records a dry-run runbook as dry_run", async () => {
        const result = (
          await deliver(webhook([firingAlert({ alertname: "CanaryDown", instance: "canary-1" })]))
        ).executions[0];
        expect(result).toMatchObject({
          state: "dry_run",
          reason: "dry-run: canary-dry-run on canary-1 would be dispatched (runbook mode dry-run)",
        });
        expect(await db.count("outbox")).toBe(0);
      });

      it("records everything as dry_run while the bridge is in dry-run, telling how to leave it", async () => {
        dryRun = true;
        const result = (await deliver(nginx("web-1"))).executions[0];
        expect(result).toMatchObject({ state: "dry_run" });
        expect(result?.reason).toBe(
          "dry-run: web-restart on web-1 would be dispatched (bridge in dry-run; set GitHub credentials or RUNBRIDGE_DRY_RUN=false)",
        );
        expect((await findExecution(db.db, result?.id as string))?.committedAt).toBeNull();
        expect(await db.count("outbox")).toBe(0);
      });

      it("does not count dry-runs for the cooldown", async () => {
        dryRun = true;
        await deliver(nginx("web-1", "2025-06-02T11:59:00Z"));
        dryRun = false;
        expect(
          (await deliver(nginx("web-1", "2025-06-02T12:01:00Z"), T0 + MINUTE)).executions[0]?.state,
        ).toBe("pending");
      });

      it("names the approval environment for an approval runbook", async () => {
        const result = (await deliver(webhook([firingAlert({ alertname: "ApiErrors", service: "api" })])))
          .executions[0];
        expect(result?.reason).toBe(
          "dispatching api-approval on api via remediate.yml@main; remediate waits for approval in environment remediation-production",
        );
      });
    });

    describe("resolved alerts", () => {
      it("cancels a dispatch still waiting in the outbox when the runbook says onResolved: cancel", async () => {
        const fired = (await deliver(fixture("firing"))).executions[0];
        const [resolved] = (await deliver(fixture("resolved"), T0 + 4 * MINUTE)).executions;
        expect(resolved).toEqual({
          id: fired?.id,
          runbook: "web-restart",
          state: "cancelled",
          reason:
            "cancelled: alert resolved at 2025-06-02T12:04:30.500Z before dispatch (onResolved: cancel)",
        });
        expect(await outboxState(fired?.id ?? null)).toBe("cancelled");
        expect(await findExecution(db.db, fired?.id as string)).toMatchObject({
          state: "cancelled",
          finishedAt: T0 + 4 * MINUTE,
          alertResolvedAt: T0 + 4 * MINUTE,
        });
        expect(await db.row("select status, resolved_at from alerts")).toEqual({
          status: "resolved",
          resolved_at: T0 + 4 * MINUTE,
        });
      });

      it("does not cancel a dispatch that may already have reached GitHub (uncertain)", async () => {
        const fired = (await deliver(fixture("firing"))).executions[0];
        await db.rows("update outbox set uncertain_since = ? where execution_id = ?", T0, fired?.id);
        const [resolved] = (await deliver(fixture("resolved"), T0 + 4 * MINUTE)).executions;
        expect(resolved?.state).toBe("pending");
        expect(resolved?.reason).toMatch(/^resolved at 2025-06-02T12:04:30.500Z; execution stays pending/);
        expect(await outboxState(fired?.id ?? null)).toBe("pending");
      });

      it("does not cancel a dispatch that is in flight", async () => {
        const fired = (await deliver(fixture("firing"))).executions[0];
        await db.rows("update outbox set state = 'in_flight' where execution_id = ?", fired?.id);
        expect((await deliver(fixture("resolved"), T0 + MINUTE)).executions[0]?.state).toBe("pending");
        expect(await outboxState(fired?.id ?? null)).toBe("in_flight");
      });

      it("leaves the execution alone when the runbook does not ask to cancel", async () => {
        const fired = (await deliver(disk("fs-1", "2025-06-02T11:00:00Z"))).executions[0];
        const resolved = (
          await deliver(
            webhook([
              firingAlert(
                { alertname: "DiskFull", instance: "fs-1", severity: "warning" },
                { startsAt: "2025-06-02T11:00:00Z", status: "resolved", endsAt: "2025-06-02T12:05:00Z" },
              ),
            ]),
            T0 + 5 * MINUTE,
          )
        ).executions[0];
        expect(resolved).toMatchObject({
          id: fired?.id,
          state: "pending",
          reason: "resolved at 2025-06-02T12:05:00.000Z; execution stays pending",
        });
        expect(await outboxState(fired?.id ?? null)).toBe("pending");
      });

      it("records a resolved alert that never had an execution", async () => {
        const [resolved] = (await deliver(fixture("resolved"))).executions;
        expect(resolved).toEqual({
          id: null,
          runbook: null,
          state: "resolved",
          reason:
            "resolved: no execution for this occurrence (NginxDown since 2025-06-02T12:00:00.123456789Z)",
        });
        expect(await db.count("executions")).toBe(0);
        expect(await db.count("alerts")).toBe(1);
      });

      it("records a repeated resolved delivery once", async () => {
        await deliver(fixture("firing"));
        await deliver(fixture("resolved"), T0 + MINUTE);
        expect((await deliver(fixture("resolved"), T0 + 2 * MINUTE)).executions[0]?.reason).toBe(
          "resolved: already recorded",
        );
        expect(await db.count("audit_events", "kind = 'execution.cancelled'")).toBe(1);
      });
    });

    describe("group runbooks", () => {
      it("decides a whole Alertmanager group once, and a later delivery of the group is a duplicate", async () => {
        const { executions } = await deliver(fixture("grouped"));
        const [first, second, resolved] = executions;
        expect(first).toMatchObject({ runbook: "cpu-group", state: "pending" });
        expect(second).toMatchObject({ id: first?.id, state: "duplicate" });
        expect(resolved).toMatchObject({ state: "resolved", id: null });
        expect(await db.count("executions")).toBe(1);
        expect((await findExecution(db.db, first?.id as string))?.occurrenceKey).toBe(
          'group:cpu-group:{}:{alertname="HostHighCpuLoad"}@2025-06-02T11:58:00.000Z',
        );

        // group_interval later: the same group with one more host; still the same occurrence.
        const again = fixture("grouped");
        again.alerts.push({
          ...(again.alerts[1] as (typeof again.alerts)[number]),
          fingerprint: "3d4e5f6071829304",
          labels: { alertname: "HostHighCpuLoad", instance: "web-4:9100", job: "node", severity: "warning" },
        });
        const later = (await deliver(again, T0 + 5 * MINUTE)).executions;
        expect(later.filter((e) => e.state === "duplicate")).toHaveLength(3);
        expect(await db.count("executions")).toBe(1);
        expect(await db.count("outbox")).toBe(1);
      });

      it("answers a late copy of an episode that already ended as a duplicate, not a second execution with its key", async () => {
        const first = (await deliver(fixture("grouped"))).executions[0];
        // The whole group resolves, which ends the episode ...
        const resolved = fixture("grouped");
        resolved.status = "resolved";
        for (const alert of resolved.alerts)
          Object.assign(alert, { status: "resolved", endsAt: "2025-06-02T12:04:00Z" });
        const check = checkAlertmanagerWebhook(resolved);
        if (!check.ok) throw new Error(check.error);
        // As the route decides it: Alertmanager marked the whole delivery resolved.
        await decideWebhook(
          { db: db.db, runbooks, dryRun, storm, staleAfterMs: 6 * 60 * MINUTE, now: T0 + 4 * MINUTE },
          normalizeWebhook(check.webhook),
          true,
        );
        // ... and an HA peer's late copy of the firing group arrives after that: the same episode
        // (same start, so the same occurrence key). It used to fail on the key's uniqueness, a
        // 503 Alertmanager retried for ever.
        const late = (await deliver(fixture("grouped"), T0 + 5 * MINUTE)).executions;
        expect(late[0]).toMatchObject({ id: first?.id, state: "duplicate" });
        expect(await db.count("executions")).toBe(1);
      });

      // KNOWN GAP (reported, not fixed here): a group occurrence is keyed by the earliest
      // firing startsAt of the delivery, so when that alert resolves and Alertmanager re-sends
      // the group, the remaining alerts become a second execution of the same episode (today
      // suppressed by the active-execution guard; dispatched once the first has finished).
      it("keeps one execution for the group when its earliest alert resolves first", async () => {
        await deliver(fixture("grouped"));
        const later = fixture("grouped");
        const [earliest] = later.alerts;
        if (earliest) Object.assign(earliest, { status: "resolved", endsAt: "2025-06-02T12:03:00Z" });
        const decided = (await deliver(later, T0 + 5 * MINUTE)).executions;
        expect(decided[1]?.state).toBe("duplicate");
        expect(await db.count("executions")).toBe(1);
      });
    });

    describe("one transaction per webhook", () => {
      it("writes nothing when one alert of a delivery fails mid-way", async () => {
        await db.exec(
          db.engine === "sqlite"
            ? `create trigger fail_second before insert on executions
                when new.alertname = 'DiskFull' begin select raise(abort, 'simulated failure'); end`
            : `create function fail_second() returns trigger language plpgsql as $$
                begin if new.alertname = 'DiskFull' then raise exception 'simulated failure'; end if; return new; end $$;
              create trigger fail_second before insert on executions for each row execute function fail_second()`,
        );
        const body = webhook([
          firingAlert({ instance: "web-1:9113" }),
          firingAlert({ alertname: "DiskFull", instance: "fs-1" }),
        ]);
        // PostgreSQL's error arrives as the cause of drizzle's "Failed query".
        const failure = await deliver(body).catch((error: Error) => error);
        expect(
          `${(failure as Error).message} ${((failure as Error).cause as Error | undefined)?.message}`,
        ).toMatch(/simulated failure/);
        for (const table of ["alerts", "executions", "outbox", "audit_events"] as const) {
          expect(await db.count(table)).toBe(0);
        }
        await db.exec(
          db.engine === "sqlite" ? "drop trigger fail_second" : "drop trigger fail_second on executions",
        );
        expect((await deliver(body)).executions.map((e) => e.state)).toEqual(["pending", "pending"]);
      });

      it("throws (so the caller answers 503) when the database is closed", async () => {
        await db.disconnect();
        // better-sqlite3: "The database connection is not open". PostgreSQL ended the pool's
        // sessions and refuses new ones; which of its errors comes first depends on timing.
        const failure = await deliver(nginx("web-1")).catch((error: Error) => error);
        expect(failure).toBeInstanceOf(Error);
        if (db.engine === "sqlite") expect((failure as Error).message).toMatch(/not open/);
      });
    });

    describe("with the example runbooks in runbooks/", () => {
      it("routes the examples' alerts and dispatches, notifies or refuses as each runbook says", async () => {
        const { set } = loadRunbookSet("runbooks");
        runbooks = set as RunbookSet;
        const { executions } = await deliver(
          webhook([
            firingAlert({ alertname: "NginxDown", instance: "web-1:9113", job: "nginx" }),
            firingAlert({ alertname: "HighAuthenticationFailureRate", service: "sso" }),
            firingAlert({ alertname: "Nonexistent" }),
          ]),
        );
        expect(executions.map((e) => [e.runbook, e.state])).toEqual([
          ["nginx-down", "pending"],
          ["auth-failure-spike", "notifying"],
          [null, "suppressed"],
        ]);
        // The notify runbook's Slack post and issue are queued with the decision; nothing is dispatched for it.
        const notifying = executions[1]?.id;
        expect(
          await db.count("notifications", `execution_id = '${notifying}' AND topic = 'execution.notify'`),
        ).toBe(2);
        expect(await db.count("outbox", `execution_id = '${notifying}'`)).toBe(0);
        // A redelivery queues nothing more.
        await deliver(webhook([firingAlert({ alertname: "HighAuthenticationFailureRate", service: "sso" })]));
        expect(await db.count("notifications")).toBe(2);
      });
    });
  });
});
