/**
 * @module
 * The alerts table keeps the latest state of each occurrence and how often it was
 * delivered — useful to see HA peers and retries at work.
 */
import type { NormalizedAlert } from "../alerts/types.js";
import type { Db } from "./database.js";
import { hot } from "./hot-path.js";

export function recordAlertDelivery(db: Db, alert: NormalizedAlert, now: number): void {
  hot(db).upsertAlert.run({
    fingerprint: alert.fingerprint,
    startsAt: alert.startsAt,
    alertname: alert.alertname,
    status: alert.status,
    labels: JSON.stringify(alert.labels),
    annotations: JSON.stringify(alert.annotations),
    endsAt: alert.endsAt ?? null,
    now,
  });
}
