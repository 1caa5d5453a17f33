/**
 * @module
 * The alerts table keeps the latest state of each occurrence and how often it was
 * delivered — useful to see HA peers and retries at work.
 */
import { and, eq } from "drizzle-orm";
import type { NormalizedAlert } from "../alerts/types.js";
import type { Db } from "./database.js";
import { hot } from "./hot-path.js";
import { alerts } from "./schema.js";
import { toDriverRow } from "./table-rows.js";
import { writing } from "./transaction.js";

/**
 * An alert as the alerts table keeps it. Its labels and annotations must already be bounded
 * (decide/compact-alert.ts, the one bounding rule): the row is rewritten on every delivery.
 */
export type RecordedAlert = Pick<
  NormalizedAlert,
  "fingerprint" | "startsAt" | "alertname" | "status" | "endsAt" | "labels" | "annotations"
>;

export async function recordAlertDelivery(db: Db, alert: RecordedAlert, now: number): Promise<void> {
  const row = {
    fingerprint: alert.fingerprint,
    startsAt: alert.startsAt,
    alertname: alert.alertname,
    status: alert.status,
    labels: alert.labels,
    annotations: alert.annotations,
    endsAt: alert.endsAt ?? null,
    firstReceivedAt: now,
    lastReceivedAt: now,
    deliveries: 1,
    resolvedAt: alert.status === "resolved" ? now : null,
  } satisfies typeof alerts.$inferInsert;
  return await writing(db, async () => {
    await hot(db).upsertAlert.run(toDriverRow(alerts, row));
  });
}

/** When this occurrence was first seen resolved, if it has been. */
export async function alertResolvedAt(
  db: Db,
  fingerprint: string,
  startsAt: string,
): Promise<number | undefined> {
  const row = await db
    .select({ resolvedAt: alerts.resolvedAt, status: alerts.status })
    .from(alerts)
    .where(and(eq(alerts.fingerprint, fingerprint), eq(alerts.startsAt, startsAt)))
    .get();
  return row?.status === "resolved" ? (row.resolvedAt ?? undefined) : undefined;
}
