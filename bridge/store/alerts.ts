/**
 * @module
 * The alerts table keeps the latest state of each occurrence and how often it was
 * delivered — useful to see HA peers and retries at work.
 */
import { sql } from "drizzle-orm";
import type { NormalizedAlert } from "../alerts/types.js";
import type { Db } from "./database.js";
import { alerts } from "./schema.js";

export function recordAlertDelivery(db: Db, alert: NormalizedAlert, now: number): void {
  const resolved = alert.status === "resolved";
  db.insert(alerts)
    .values({
      fingerprint: alert.fingerprint,
      startsAt: alert.startsAt,
      alertname: alert.alertname,
      status: alert.status,
      labels: alert.labels,
      annotations: alert.annotations,
      endsAt: alert.endsAt ?? null,
      firstReceivedAt: now,
      lastReceivedAt: now,
      resolvedAt: resolved ? now : null,
    })
    .onConflictDoUpdate({
      target: [alerts.fingerprint, alerts.startsAt],
      set: {
        status: alert.status,
        endsAt: alert.endsAt ?? null,
        lastReceivedAt: now,
        deliveries: sql`${alerts.deliveries} + 1`,
        resolvedAt: resolved ? sql`coalesce(${alerts.resolvedAt}, ${now})` : null,
      },
    })
    .run();
}

/** Whether an occurrence is still firing as far as the bridge knows (used by the approval gate). */
export { alerts as alertsTable };
