// Several bridges deciding at the same instant on one PostgreSQL database: three store handles,
// each with its own connection pool, as three replicas have. The same alert posted to all three
// at once must become one execution (the others answer duplicate); different alerts for one
// runbook + target at once must dispatch once (the cooldown holds). Without the decision locks
// (store/decision-locks.ts) the second fails: each replica reads "no dispatch yet".

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firingAlert, type WebhookBody, webhook } from "../../test/fixtures/alertmanager/index.js";
import { createTestDatabase, type TestDatabase } from "../../test/harness/postgres.js";
import { normalizeWebhook } from "../alerts/normalize.js";
import { checkAlertmanagerWebhook } from "../alerts/validate.js";
import { loadRunbookSet, type RunbookSet } from "../runbooks/runbook-set.js";
import { checkInvariants } from "../store/invariants.js";
import { claimNextDispatch } from "../store/outbox.js";
import { type OpenedPostgresStore, openPostgresStore } from "../store/postgres/database.js";
import { rawRow, rawRows, rawRun } from "../store/raw.js";
import { decideWebhook } from "./decide-webhook.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
const MINUTE = 60_000;

let database: TestDatabase;
let replicas: OpenedPostgresStore[];
let runbooks: RunbookSet;
let runbookDir: string;

beforeAll(async () => {
  database = await createTestDatabase("replica_race");
  replicas = [];
  for (let index = 0; index < 3; index++) {
    replicas.push(await openPostgresStore(database.url, { poolSize: 4, statementTimeoutMs: 10_000 }));
  }
  // A runbook with a cooldown and no hourly cap or allow-list: only the per-target guards decide.
  runbookDir = mkdtempSync(join(tmpdir(), "runbridge-race-"));
  writeFileSync(
    join(runbookDir, "race-restart.yml"),
    [
      "name: race-restart",
      "description: Restart a host the race test names",
      'owner: "@acme/sre"',
      "match:",
      "  alertname: RaceDown",
      "mode: auto",
      "target:",
      "  label: instance",
      '  pattern: "^([^:]+)"',
      "guards:",
      "  cooldown: 10m",
      "",
    ].join("\n"),
  );
  const loaded = loadRunbookSet(runbookDir);
  if (!loaded.set) throw new Error(loaded.problems.map(String).join("; "));
  runbooks = loaded.set;
});
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.close()));
  await database.drop();
  rmSync(runbookDir, { recursive: true, force: true });
});

async function deliver(replica: OpenedPostgresStore, body: WebhookBody, now: number) {
  const check = checkAlertmanagerWebhook(body);
  if (!check.ok) throw new Error(check.error);
  return await decideWebhook(
    {
      db: replica.db,
      runbooks,
      dryRun: false,
      storm: { max: 100_000, windowMs: 5 * MINUTE, openForMs: 15 * MINUTE },
      staleAfterMs: 6 * 60 * MINUTE,
      now,
    },
    normalizeWebhook(check.webhook),
  );
}

async function count(query: string): Promise<number> {
  const [first] = replicas;
  if (!first) throw new Error("no replica");
  return (await rawRow<{ n: number }>(first.db, sql.raw(query)))?.n ?? 0;
}

describe("three replicas on one PostgreSQL database", () => {
  it("decide the same alert, posted to all three at the same instant, once: 1,000 times over", async () => {
    const rounds = 1_000;
    const parallel = 8;
    const answers: string[][] = [];
    for (let start = 0; start < rounds; start += parallel) {
      await Promise.all(
        Array.from({ length: Math.min(parallel, rounds - start) }, async (_, offset) => {
          const round = start + offset;
          // A new occurrence each round, each on its own target so no guard stands in the way.
          const body = webhook([
            firingAlert(
              { alertname: "RaceDown", instance: `race-${round}:9113` },
              { startsAt: new Date(T0 - round * 1_000).toISOString() },
            ),
          ]);
          const decided = await Promise.all(replicas.map((replica) => deliver(replica, body, T0)));
          answers.push(decided.map((decision) => decision.executions[0]?.state ?? "none").sort());
        }),
      );
    }
    const shapes = new Map<string, number>();
    for (const answer of answers) shapes.set(answer.join(","), (shapes.get(answer.join(",")) ?? 0) + 1);
    // Exactly one replica decided each occurrence; the two others answered duplicate.
    expect(Object.fromEntries(shapes)).toEqual({ "duplicate,duplicate,pending": rounds });
    expect(await count("SELECT count(*) AS n FROM executions WHERE target LIKE 'race-%'")).toBe(rounds);
    expect(await count("SELECT count(*) AS n FROM outbox")).toBe(rounds);
    expect(await checkInvariants((replicas[0] as OpenedPostgresStore).db)).toEqual([]);
  }, 120_000);

  it("hold the cooldown for different alerts of one runbook + target arriving at once: one dispatch", async () => {
    const rounds = 100;
    for (let round = 0; round < rounds; round++) {
      // Three alerts (different fingerprints) for one target, one to each replica.
      const bodies = [0, 1, 2].map((pod) =>
        webhook([firingAlert({ alertname: "RaceDown", instance: `cool-${round}:9113`, pod: `pod-${pod}` })]),
      );
      const decided = await Promise.all(
        replicas.map((replica, index) => deliver(replica, bodies[index] as WebhookBody, T0 + round)),
      );
      const states = decided.map((decision) => decision.executions[0]?.state).sort();
      expect(states, `round ${round}`).toEqual(["pending", "suppressed", "suppressed"]);
    }
    expect(
      await count("SELECT count(*) AS n FROM executions WHERE target LIKE 'cool-%' AND state = 'pending'"),
    ).toBe(rounds);
  }, 120_000);

  it("claim each outbox row once, whichever replica's worker asks first", async () => {
    const [first] = replicas;
    if (!first) throw new Error("no replica");
    const rows = 200;
    const ids = (
      await rawRows<{ id: string }>(
        first.db,
        sql`SELECT id FROM executions WHERE target LIKE 'race-%' LIMIT ${rows}`,
      )
    ).map((row) => row.id);
    // Every row pending again, as after a crash; two claim loops per replica, as RUNBRIDGE_DISPATCH_CONCURRENCY=2.
    await rawRun(first.db, sql`UPDATE outbox SET state = 'pending', next_attempt_at = 0`);
    const claimed: string[] = [];
    await Promise.all(
      replicas.flatMap((replica) =>
        [0, 1].map(async () => {
          for (;;) {
            const row = await claimNextDispatch(replica.db, T0);
            if (!row) return;
            claimed.push(row.executionId);
          }
        }),
      ),
    );
    const outboxRows = await count("SELECT count(*) AS n FROM outbox");
    expect(claimed).toHaveLength(outboxRows);
    expect(new Set(claimed).size).toBe(outboxRows);
    expect(ids.length).toBe(rows);
  }, 60_000);
});
