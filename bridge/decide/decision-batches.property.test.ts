// A batch decides as one by one: any list of deliveries (HA repeats, new occurrences,
// resolutions, a `group` runbook's groups, notify and dry-run runbooks, one cooldown counting
// several alerts) sent all at once through PostgreSQL's group commit (store/postgres/
// decision-batches.ts) gets, delivery by delivery, the answers the same list gets decided one
// at a time in arrival order on SQLite. Deliveries whose guard state meets are kept in arrival
// order by the batch's waves; the others cannot tell each other apart.
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firingAlert, type WebhookBody, webhook } from "../../test/fixtures/alertmanager/index.js";
import { fixtureRunbooks, tempDatabase } from "../../test/fixtures/store/temp-database.js";
import { createTestDatabase, type TestDatabase } from "../../test/harness/postgres.js";
import { normalizeWebhook } from "../alerts/normalize.js";
import { checkAlertmanagerWebhook } from "../alerts/validate.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import type { Db } from "../store/database.js";
import type { GroupCommit } from "../store/group-commit.js";
import { checkInvariants } from "../store/invariants.js";
import { type OpenedPostgresStore, openPostgresStore } from "../store/postgres/database.js";
import { createPostgresGroupCommit } from "../store/postgres/decision-batches.js";
import { rawRows, rawRun } from "../store/raw.js";
import { decideWebhook } from "./decide-webhook.js";
import { decisionLocks } from "./decision-locks.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
const MINUTE = 60_000;

/** Alerts of the fixture runbooks (test/fixtures/runbooks-bridge), each with a few occurrences. */
const alertKind = fc.constantFrom<Record<string, string>>(
  { alertname: "NginxDown", instance: "web-1:9113" },
  { alertname: "NginxDown", instance: "web-2:9113" },
  { alertname: "NginxDown", instance: "web-1:9113", pod: "b" },
  { alertname: "DiskFull", instance: "host-1:9100" },
  { alertname: "HostHighCpuLoad", instance: "cpu-1:9100" },
  { alertname: "HostHighCpuLoad", instance: "cpu-2:9100" },
  { alertname: "HighAuthenticationFailureRate", instance: "auth-1:9100" },
  { alertname: "CanaryDown", instance: "canary-1:9100" },
);

const delivery = fc.record({
  alerts: fc.array(
    fc.record({
      labels: alertKind,
      occurrence: fc.integer({ min: 0, max: 2 }),
      status: fc.constantFrom("firing", "firing", "firing", "resolved"),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  group: fc.constantFrom("g1", "g2"),
});

type Delivery = {
  alerts: { labels: Record<string, string>; occurrence: number; status: string }[];
  group: string;
};

function bodyOf(item: Delivery): WebhookBody {
  return webhook(
    item.alerts.map((alert) =>
      firingAlert(alert.labels, {
        status: alert.status as "firing" | "resolved",
        startsAt: new Date(T0 - (alert.occurrence + 1) * MINUTE).toISOString(),
        ...(alert.status === "resolved" ? { endsAt: new Date(T0).toISOString() } : {}),
      }),
    ),
    `{}:{group="${item.group}"}`,
  );
}

/** How one delivery was answered: each alert's state (ids and times differ between the runs). */
async function decide(
  db: Db,
  runbooks: RunbookSet,
  item: Delivery,
  commits?: GroupCommit,
): Promise<string[]> {
  const check = checkAlertmanagerWebhook(bodyOf(item));
  if (!check.ok) throw new Error(check.error);
  const alerts = normalizeWebhook(check.webhook);
  const groupResolved = check.webhook.status === "resolved";
  const work = () =>
    decideWebhook(
      {
        db,
        runbooks,
        dryRun: false,
        storm: { max: 100_000, windowMs: 5 * MINUTE, openForMs: 15 * MINUTE },
        staleAfterMs: 6 * 60 * MINUTE,
        now: T0,
      },
      alerts,
      groupResolved,
    );
  const decision = commits
    ? await commits.run(work, () => decisionLocks(alerts, runbooks, { dryRun: false, groupResolved }))
    : await work();
  return decision.executions.map((execution) => `${execution.runbook ?? "-"}:${execution.state}`);
}

let database: TestDatabase;
let store: OpenedPostgresStore;
let commits: GroupCommit;
const batchFailures: unknown[] = [];

beforeAll(async () => {
  database = await createTestDatabase("batch_property");
  store = await openPostgresStore(database.url, { poolSize: 4, statementTimeoutMs: 10_000 });
  commits = createPostgresGroupCommit(store.db, (error) => batchFailures.push(error));
});
afterAll(async () => {
  await store.close();
  await database.drop();
});

async function emptyPostgres(): Promise<void> {
  const tables = await rawRows<{ name: string }>(
    store.db,
    sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%migrations%'`,
  );
  await rawRun(store.db, sql.raw(`TRUNCATE ${tables.map((table) => `"${table.name}"`).join(", ")} CASCADE`));
}

describe("a batch of deliveries on PostgreSQL", () => {
  it("answers each delivery as deciding them one at a time in arrival order does", async () => {
    const runbooks = fixtureRunbooks();
    await fc.assert(
      fc.asyncProperty(fc.array(delivery, { minLength: 2, maxLength: 16 }), async (deliveries) => {
        const reference = tempDatabase();
        try {
          const oneByOne: string[][] = [];
          for (const item of deliveries) oneByOne.push(await decide(reference.db, runbooks, item));
          await emptyPostgres();
          const together = await Promise.all(
            deliveries.map((item) => decide(store.db, runbooks, item, commits)),
          );
          expect(together).toEqual(oneByOne);
          expect(batchFailures).toEqual([]);
          expect(await checkInvariants(store.db)).toEqual([]);
        } finally {
          reference.remove();
        }
      }),
      { numRuns: 40, seed: 20261207 },
    );
  }, 120_000);
});
