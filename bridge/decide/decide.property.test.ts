// Properties of the decision over any sequence of deliveries (HA redeliveries, new
// occurrences, resolutions, runs finishing either way, clock steps), on a real SQLite file:
// one execution per occurrence, and the cooldown and the hourly cap never exceeded.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firingAlert, webhook } from "../../test/fixtures/alertmanager/index.js";
import { fixtureRunbooks, tempDatabase } from "../../test/fixtures/store/temp-database.js";
import { normalizeWebhook } from "../alerts/normalize.js";
import type { AlertmanagerWebhook } from "../alerts/types.js";
import { markDispatched } from "../executions/dispatch.js";
import { recordRunState } from "../executions/run.js";
import { findExecution } from "../store/executions.js";
import { COUNTS_AS_DISPATCH } from "../store/hot-path.js";
import { decideWebhook } from "./decide-webhook.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
const MINUTE = 60_000;
/** web-restart (test/fixtures/runbooks-bridge): cooldown 10m, maxPerHour 2, per target. */
const COOLDOWN = 10 * MINUTE;
const MAX_PER_HOUR = 2;

const step = fc.record({
  dt: fc.integer({ min: 0, max: 25 * MINUTE }),
  instance: fc.constantFrom("web-1", "web-2"),
  occurrence: fc.integer({ min: 0, max: 4 }),
  status: fc.constantFrom("firing", "firing", "firing", "resolved"),
  /** What happens to the runs in flight after this delivery. */
  runs: fc.constantFrom("nothing", "nothing", "succeed", "fail"),
});

describe("the decision, for any sequence of deliveries", () => {
  it("records one execution per occurrence and never dispatches past the cooldown or the hourly cap", async () => {
    const runbooks = fixtureRunbooks();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const db = tempDatabase();
        try {
          let now = T0;
          let runId = 1000;
          const deps = { db: db.db, runbooks: () => runbooks };
          for (const s of steps) {
            now += s.dt;
            const startsAt = new Date(T0 + s.occurrence * 7 * MINUTE).toISOString();
            const alert = firingAlert(
              { instance: `${s.instance}:9113` },
              {
                startsAt,
                status: s.status as "firing" | "resolved",
                endsAt: s.status === "resolved" ? new Date(now).toISOString() : "0001-01-01T00:00:00Z",
              },
            );
            await decideWebhook(
              {
                db: db.db,
                runbooks,
                dryRun: false,
                storm: { max: 1_000, windowMs: 5 * MINUTE, openForMs: 15 * MINUTE },
                staleAfterMs: 6 * 60 * MINUTE,
                now,
              },
              normalizeWebhook(webhook([alert]) as unknown as AlertmanagerWebhook),
            );
            if (s.runs === "nothing") continue;
            const pending = db.sqlite.prepare("SELECT id FROM executions WHERE state = 'pending'").all() as {
              id: string;
            }[];
            for (const { id } of pending) {
              const execution = await findExecution(db.db, id);
              if (!execution) continue;
              runId += 1;
              await markDispatched(deps, execution, 1, { runId }, now);
              await recordRunState(
                { ...deps, now },
                { runId, status: "completed", conclusion: s.runs === "succeed" ? "success" : "failure" },
              );
            }
          }

          const twice = db.sqlite
            .prepare("SELECT occurrence_key FROM executions GROUP BY occurrence_key HAVING count(*) > 1")
            .all();
          expect(twice).toEqual([]);
          const dispatches = db.sqlite
            .prepare(
              `SELECT target, committed_at AS at FROM executions WHERE ${COUNTS_AS_DISPATCH} ORDER BY committed_at`,
            )
            .all() as { target: string; at: number }[];
          for (const target of new Set(dispatches.map((row) => row.target))) {
            const times = dispatches.filter((row) => row.target === target).map((row) => row.at);
            for (let index = 1; index < times.length; index++) {
              expect((times[index] as number) - (times[index - 1] as number)).toBeGreaterThanOrEqual(
                COOLDOWN,
              );
            }
          }
          const all = dispatches.map((row) => row.at);
          for (const at of all) {
            expect(all.filter((other) => other > at - 60 * MINUTE && other <= at).length).toBeLessThanOrEqual(
              MAX_PER_HOUR,
            );
          }
        } finally {
          db.remove();
        }
      }),
      { seed: 20261202, numRuns: 40 },
    );
  });
});
