import { afterEach, describe, expect, it } from "vitest";
import { firingAlert, webhook } from "../../test/fixtures/alertmanager/index.js";
import { T0, type TestApp, testApp } from "../../test/fixtures/http/test-app.js";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import type { RunbookScorecardJson, RunbooksAnswer } from "../http/api-types.js";
import { writeBreaker } from "../store/breakers.js";
import { updateExecution } from "../store/execution-writes.js";
import { addStateCounts, runbookScorecard, verifiedRate } from "./runbook-scorecard.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let t: TestApp;
afterEach(() => t?.close());

const iso = (ms: number) => new Date(ms).toISOString();

/** Delivers one alert at `at` (the bridge's clock) and returns the execution it decided. */
async function fire(
  at: number,
  labels: Record<string, string>,
  startsAt: number,
): Promise<{ id: string; state: string }> {
  t.clock.now = at;
  const response = await t.post(webhook([firingAlert(labels, { startsAt: iso(startsAt) })]));
  expect(response.status).toBe(200);
  const body = (await response.json()) as { executions: { id: string; state: string }[] };
  return body.executions[0] as { id: string; state: string };
}

/** The same alert's resolved notification, recorded by the bridge at `at`. */
async function resolve(at: number, labels: Record<string, string>, startsAt: number): Promise<void> {
  t.clock.now = at;
  const alert = firingAlert(labels, { status: "resolved", startsAt: iso(startsAt), endsAt: iso(at) });
  expect((await t.post(webhook([alert]))).status).toBe(200);
}

/** Sets the scene of a run that ended (the GitHub side is not what is tested here). */
async function ran(
  id: string,
  state: "succeeded" | "failed",
  dispatchedAt: number,
  finishedAt: number,
): Promise<void> {
  await updateExecution(t.store, id, {
    state,
    dispatchedAt,
    finishedAt,
    updatedAt: finishedAt,
    runId: 7,
    runUrl: "https://github.com/acme/ops/actions/runs/7",
  });
}

async function scorecard(): Promise<RunbooksAnswer> {
  const response = await t.get("/api/runbooks");
  expect(response.status).toBe(200);
  return (await response.json()) as RunbooksAnswer;
}

function card(answer: RunbooksAnswer, runbook: string): RunbookScorecardJson {
  const found = answer.runbooks.find((entry) => entry.runbook === runbook);
  if (!found) throw new Error(`no scorecard for ${runbook}`);
  return found;
}

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const store = useEngineStore(engine, "scorecard");

  describe("GET /api/runbooks", () => {
    it("scores each runbook over 24h, 7d and 30d from the executions the bridge recorded", async () => {
      t = testApp({}, {}, store.db);
      const web1 = { instance: "web-1:9113" };
      const web2 = { instance: "web-2:9113" };
      // 31 days ago: outside every window.
      const old = await fire(T0 - 31 * DAY, { instance: "web-9:9113" }, T0 - 31 * DAY);
      await ran(old.id, "failed", T0 - 31 * DAY + MINUTE, T0 - 31 * DAY + 2 * MINUTE);
      // Two days ago, web-1: dispatched a minute after deciding; the alert (started 5m before) resolved 10m later.
      const first = await fire(T0 - 2 * DAY, web1, T0 - 2 * DAY - 5 * MINUTE);
      await ran(first.id, "succeeded", T0 - 2 * DAY + MINUTE, T0 - 2 * DAY + 3 * MINUTE);
      await resolve(T0 - 2 * DAY + 10 * MINUTE, web1, T0 - 2 * DAY - 5 * MINUTE);
      // web-1 fires again 2 hours after it resolved: past the relapse window (1h), a new incident.
      const later = await fire(T0 - 2 * DAY + 130 * MINUTE, web1, T0 - 2 * DAY + 130 * MINUTE);
      await ran(later.id, "succeeded", T0 - 2 * DAY + 131 * MINUTE, T0 - 2 * DAY + 133 * MINUTE);
      // An hour ago, web-2: started 2m before, dispatched after 1m, resolved at +5m.
      const second = await fire(T0 - HOUR, web2, T0 - HOUR - 2 * MINUTE);
      await ran(second.id, "succeeded", T0 - HOUR + MINUTE, T0 - HOUR + 3 * MINUTE);
      await resolve(T0 - HOUR + 5 * MINUTE, web2, T0 - HOUR - 2 * MINUTE);
      // web-2 fires again 15 minutes after it resolved: a relapse; this run fails.
      const relapse = await fire(T0 - 40 * MINUTE, web2, T0 - 40 * MINUTE);
      expect(relapse.state).toBe("pending");
      await ran(relapse.id, "failed", T0 - 39 * MINUTE, T0 - 35 * MINUTE);
      // Another alert on web-2 right after: its third in an hour, over maxPerHour (2).
      const refused = await fire(T0 - 30 * MINUTE, { ...web2, pod: "b" }, T0 - 30 * MINUTE);
      expect(refused.state).toBe("suppressed");
      // An alert no runbook matches is nobody's record.
      await fire(T0 - 20 * MINUTE, { alertname: "Unrouted" }, T0 - 20 * MINUTE);
      // web-2's target breaker is open.
      await writeBreaker(t.store, {
        key: "target:web-restart:web-2",
        scope: "target",
        runbook: "web-restart",
        target: "web-2",
        state: "open",
        openedAt: T0 - 30 * MINUTE,
        halfOpenAt: T0 + 10 * MINUTE,
        countFailuresFrom: 0,
        reason: "2 failures within 1h",
        closesAutomatically: false,
        updatedAt: T0 - 30 * MINUTE,
      });
      t.clock.now = T0;

      const answer = await scorecard();
      expect(answer.generatedAt).toBe(T0);
      expect(answer.windows).toEqual(["24h", "7d", "30d"]);
      // Every loaded runbook is listed, with or without executions; the unrouted alert is nobody's.
      expect(answer.runbooks.map((entry) => [entry.runbook, entry.loaded])).toEqual([
        ["api-approval", true],
        ["canary-dry-run", true],
        ["cpu-group", true],
        ["disk-cleanup", true],
        ["security-notify", true],
        ["web-restart", true],
      ]);

      const web = card(answer, "web-restart");
      expect(web.windows["24h"]).toMatchObject({
        executions: 3,
        dispatched: 2,
        relapses: 1,
        suppressedBy: { max_per_hour: 1 },
        // web-2's first run was verified when its alert resolved; the relapse's run failed.
        verifiedRate: 0.5,
        timeToResolution: {
          count: 1,
          fromStart: { medianMs: 7 * MINUTE, p90Ms: 7 * MINUTE },
          fromDispatch: { medianMs: 4 * MINUTE, p90Ms: 4 * MINUTE },
        },
      });
      expect(web.windows["24h"].outcomes).toMatchObject({
        succeeded: 0,
        failed: 1,
        suppressed: 1,
        verified: 1,
      });
      expect(web.windows["7d"]).toMatchObject({
        executions: 5,
        dispatched: 4,
        relapses: 1,
        timeToResolution: {
          count: 2,
          fromStart: { medianMs: 7 * MINUTE, p90Ms: 15 * MINUTE },
          fromDispatch: { medianMs: 4 * MINUTE, p90Ms: 9 * MINUTE },
        },
      });
      // The 31-day-old failure is in no window.
      expect(web.windows["30d"]).toMatchObject({ executions: 5, dispatched: 4, relapses: 1 });
      expect(web.windows["30d"].outcomes.failed).toBe(1);
      expect(web.lastFailure).toEqual({
        executionId: relapse.id,
        state: "failed",
        reason: expect.any(String),
        at: T0 - 35 * MINUTE,
        runUrl: "https://github.com/acme/ops/actions/runs/7",
      });
      expect(web.breaker).toEqual({
        state: "open",
        notClosed: [
          expect.objectContaining({ key: "target:web-restart:web-2", state: "open", target: "web-2" }),
        ],
      });

      const idle = card(answer, "disk-cleanup");
      expect(idle.windows["30d"]).toMatchObject({
        executions: 0,
        dispatched: 0,
        relapses: 0,
        verifiedRate: null,
      });
      expect(idle.windows["30d"].timeToResolution).toEqual({ count: 0, fromStart: null, fromDispatch: null });
      expect(idle.lastFailure).toBeNull();
      expect(idle.breaker).toEqual({ state: "closed", notClosed: [] });
    });

    it("keeps a runbook that left the active set while its executions are in the window", async () => {
      t = testApp({}, {}, store.db);
      await fire(T0 - HOUR, { instance: "web-1:9113" }, T0 - HOUR);
      t.runbooks.set = undefined;
      t.clock.now = T0;
      const answer = await scorecard();
      expect(answer.runbooks.map((entry) => [entry.runbook, entry.loaded])).toEqual([["web-restart", false]]);
    });

    it("answers 401 without the API token when one is configured", async () => {
      t = testApp({ RUNBRIDGE_API_TOKEN: "s3cret" }, {}, store.db);
      expect((await t.get("/api/runbooks")).status).toBe(401);
      expect((await t.get("/api/runbooks", { authorization: "Bearer s3cret" })).status).toBe(200);
    });
  });

  describe("outcome buckets", () => {
    it("counts the verified rate over the judged outcomes, whatever states map to them", async () => {
      t = testApp({}, {}, store.db);
      const answer = await runbookScorecard(t.store, { now: T0, loaded: ["web-restart"] });
      const entry = card(answer, "web-restart");
      // State names as the verified-outcome branch records them; the bucket map already knows them.
      for (const [state, n] of [
        ["verified", 6],
        ["not_cleared", 1],
        ["rolled_back", 1],
        ["failed", 2],
        ["succeeded", 5],
      ] as const) {
        addStateCounts(entry, {
          runbook: "web-restart",
          state,
          guard: null,
          decided: [n, n, n],
          dispatched: [n, n, n],
        });
      }
      expect(entry.windows["7d"].outcomes).toMatchObject({
        verified: 6,
        not_cleared: 1,
        rolled_back: 1,
        failed: 2,
        succeeded: 5,
      });
      expect(verifiedRate(entry.windows["7d"])).toBe(0.6);
    });
  });
});
