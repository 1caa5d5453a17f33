// Batches of decisions on PostgreSQL (store/postgres/decision-batches.ts, statement-batch.ts) on the real
// server: deliveries that arrive together are decided in one transaction with their statements
// merged, and still exactly as one by one: an occurrence delivered twice in a batch (an HA pair)
// is one execution, alerts counted by one cooldown dispatch once, a delivery that fails fails
// alone, and alert text PostgreSQL cannot hold is kept as it is one by one.

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
import type { GroupCommit } from "../store/group-commit.js";
import { checkInvariants } from "../store/invariants.js";
import { type OpenedPostgresStore, openPostgresStore } from "../store/postgres/database.js";
import { createPostgresGroupCommit, wavesOf } from "../store/postgres/decision-batches.js";
import { rawRow, rawRows } from "../store/raw.js";
import { inTransaction } from "../store/transaction.js";
import { decideWebhook, type WebhookDecision } from "./decide-webhook.js";
import { decisionLocks } from "./decision-locks.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
const MINUTE = 60_000;

let database: TestDatabase;
let replicas: { store: OpenedPostgresStore; commits: GroupCommit }[];
let runbooks: RunbookSet;
let runbookDir: string;
/** Batches that failed as a whole (their deliveries then decided one by one). */
let batchFailures: unknown[] = [];

beforeAll(async () => {
  database = await createTestDatabase("decision_batches");
  replicas = [];
  for (let index = 0; index < 2; index++) {
    const store = await openPostgresStore(database.url, { poolSize: 4, statementTimeoutMs: 10_000 });
    replicas.push({
      store,
      commits: createPostgresGroupCommit(store.db, (error) => batchFailures.push(error)),
    });
  }
  runbookDir = mkdtempSync(join(tmpdir(), "runbridge-batches-"));
  writeFileSync(
    join(runbookDir, "batch-restart.yml"),
    [
      "name: batch-restart",
      "description: Restart a host the batch test names",
      'owner: "@acme/sre"',
      "match:",
      "  alertname: BatchDown",
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
  await Promise.all(replicas.map((replica) => replica.store.close()));
  await database.drop();
  rmSync(runbookDir, { recursive: true, force: true });
});

/** A delivery through a replica's group commit, as the Alertmanager route sends it. */
function deliver(
  replica: (typeof replicas)[number],
  body: WebhookBody,
  options: { dryRun?: boolean; now?: number; fail?: boolean } = {},
): Promise<WebhookDecision> {
  const check = checkAlertmanagerWebhook(body);
  if (!check.ok) throw new Error(check.error);
  const alerts = normalizeWebhook(check.webhook);
  const dryRun = options.dryRun ?? false;
  // Atomic on its own, as the route's work is: a failure after deciding undoes the decision.
  return replica.commits.run(
    () =>
      inTransaction(replica.store.db, async () => {
        const decision = await decideWebhook(
          {
            db: replica.store.db,
            runbooks,
            dryRun,
            storm: { max: 100_000, windowMs: 5 * MINUTE, openForMs: 15 * MINUTE },
            staleAfterMs: 6 * 60 * MINUTE,
            now: options.now ?? T0,
          },
          alerts,
        );
        if (options.fail) throw new Error("this delivery fails after deciding");
        return decision;
      }),
    () => decisionLocks(alerts, runbooks, { dryRun, groupResolved: false }),
  );
}

const first = () => replicas[0] as (typeof replicas)[number];

async function count(query: string): Promise<number> {
  return Number((await rawRow<{ n: number }>(first().store.db, sql.raw(query)))?.n ?? 0);
}

async function commits(): Promise<number> {
  return Number(
    (
      await rawRow<{ n: string }>(
        first().store.db,
        sql.raw(`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`),
      )
    )?.n ?? 0,
  );
}

describe("waves of a batch", () => {
  it("keep deliveries whose keys meet apart, in arrival order, and the others together", () => {
    const item = (name: string, keys?: string[]) => ({ name, keys });
    const waves = wavesOf([
      item("a", ["x"]),
      item("b", ["y"]),
      item("c", ["x", "z"]),
      item("d", ["z"]),
      item("e", ["w"]),
      item("f"),
      item("g", ["q"]),
    ]);
    expect(waves.map((wave) => wave.map((member) => member.name))).toEqual([
      ["a", "b", "e"],
      ["c"],
      ["d"],
      ["f"],
      ["g"],
    ]);
  });
});

describe("batches of decisions on PostgreSQL", () => {
  it("decide distinct alerts arriving together in one transaction, each answered with its own execution", async () => {
    const before = await commits();
    const decided = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        deliver(first(), webhook([firingAlert({ alertname: "BatchDown", instance: `dry-${index}:9113` })]), {
          dryRun: true,
        }),
      ),
    );
    const after = await commits();
    expect(decided.map((decision) => decision.executions[0]?.state)).toEqual(Array(40).fill("dry_run"));
    expect(new Set(decided.map((decision) => decision.executions[0]?.id)).size).toBe(40);
    // Each delivery's audit event is its own, with the id the database gave it.
    const events = decided.flatMap((decision) => decision.events);
    expect(events).toHaveLength(40);
    const stored = await rawRows<{ id: number; execution_id: string }>(
      first().store.db,
      sql.raw(`SELECT id, execution_id FROM audit_events WHERE kind = 'decision.dry_run'`),
    );
    const byId = new Map(stored.map((row) => [Number(row.id), row.execution_id]));
    for (const [index, decision] of decided.entries()) {
      expect(byId.get(decision.events[0]?.id ?? -1)).toBe(decision.executions[0]?.id);
      expect(decision.events[0]?.target).toBe(`dry-${index}`);
    }
    // One batch, one commit (the statistics also count the reads of this test's own connection).
    expect(after - before).toBeLessThan(10);
    expect(await count(`SELECT count(*) AS n FROM executions WHERE target LIKE 'dry-%'`)).toBe(40);
    expect(batchFailures).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM alerts WHERE labels->>'instance' LIKE 'dry-%'`)).toBe(40);
  });

  it("decide an occurrence delivered twice in one batch and once to another replica once", async () => {
    const decided = await Promise.all(
      Array.from({ length: 30 }, (_, round) => {
        const body = webhook([
          firingAlert(
            { alertname: "BatchDown", instance: `ha-${round}:9113` },
            { startsAt: new Date(T0 - round * 1_000).toISOString() },
          ),
        ]);
        return Promise.all([
          deliver(first(), body),
          deliver(first(), body),
          deliver(replicas[1] as never, body),
        ]);
      }),
    );
    for (const [round, answers] of decided.entries()) {
      expect(answers.map((answer) => answer.executions[0]?.state).sort(), `round ${round}`).toEqual([
        "duplicate",
        "duplicate",
        "pending",
      ]);
    }
    expect(await count(`SELECT count(*) AS n FROM executions WHERE target LIKE 'ha-%'`)).toBe(30);
    expect(await count(`SELECT sum(deliveries) AS n FROM alerts WHERE labels->>'instance' LIKE 'ha-%'`)).toBe(
      90,
    );
  });

  it("hold the cooldown for different alerts of one target in one batch: one dispatch", async () => {
    const decided = await Promise.all(
      Array.from({ length: 12 }, (_, pod) =>
        deliver(
          first(),
          webhook([firingAlert({ alertname: "BatchDown", instance: "cool:9113", pod: `pod-${pod}` })]),
        ),
      ),
    );
    const states = decided.map((decision) => decision.executions[0]?.state);
    expect(states.filter((state) => state === "pending")).toHaveLength(1);
    expect(states.filter((state) => state === "suppressed")).toHaveLength(11);
    expect(batchFailures).toEqual([]);
  });

  it("answer a delivery that fails with its failure and the others of its batch with their decisions", async () => {
    const decided = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) =>
        deliver(first(), webhook([firingAlert({ alertname: "BatchDown", instance: `fail-${index}:9113` })]), {
          dryRun: true,
          fail: index === 4,
        }),
      ),
    );
    expect(decided.map((result) => result.status)).toEqual([
      ...Array(4).fill("fulfilled"),
      "rejected",
      ...Array(5).fill("fulfilled"),
    ]);
    // The failed delivery left nothing behind; the others are there once.
    expect(await count(`SELECT count(*) AS n FROM executions WHERE target LIKE 'fail-%'`)).toBe(9);
    expect(await count(`SELECT count(*) AS n FROM executions WHERE target = 'fail-4'`)).toBe(0);
    expect(batchFailures.map((error) => (error as Error).message)).toEqual([
      "this delivery fails after deciding",
    ]);
    batchFailures = [];
  });

  it("keep alert text PostgreSQL cannot hold as it does one by one (NUL becomes U+FFFD)", async () => {
    const decided = await Promise.all(
      [0, 1, 2].map((index) =>
        deliver(
          first(),
          webhook([
            firingAlert(
              { alertname: "BatchDown", instance: `nul-${index}:9113`, note: `a\u0000b "quoted" \\ [ex_1]` },
              { annotations: { summary: `line\nbreak \u0000 end` } },
            ),
          ]),
          { dryRun: true },
        ),
      ),
    );
    expect(decided.map((decision) => decision.executions[0]?.state)).toEqual([
      "dry_run",
      "dry_run",
      "dry_run",
    ]);
    const rows = await rawRows<{ note: string; summary: string }>(
      first().store.db,
      sql.raw(
        `SELECT labels->>'note' AS note, annotations->>'summary' AS summary FROM alerts WHERE labels->>'instance' LIKE 'nul-%'`,
      ),
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.note).toBe(`a\uFFFDb "quoted" \\ [ex_1]`);
      expect(row.summary).toBe(`line\nbreak \uFFFD end`);
    }
    expect(await checkInvariants(first().store.db)).toEqual([]);
    expect(batchFailures).toEqual([]);
  });
});
