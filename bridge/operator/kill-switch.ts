/**
 * @module
 * The kill switch, set one way from everywhere: the operator API (POST /api/kill-switch) and
 * RUNBRIDGE_ENABLED at start. The stored switch and its audit event are written in one
 * transaction, so the audit trail never shows a change that did not happen (or misses one
 * that did), and the event reaches live listeners only after that commit.
 *
 * @example
 *   await setKillSwitch({ db, bus }, { enabled: false, at: now(), origin: "through the API: incident 42" });
 */
import type { AuditBus } from "../audit-bus.js";
import { type AuditEvent, appendAudit } from "../store/audit.js";
import type { Db } from "../store/database.js";
import { setEnabled } from "../store/settings.js";
import { inTransaction } from "../store/transaction.js";

export interface KillSwitchChange {
  /** true: automation on; false: every alert is recorded and suppressed. */
  enabled: boolean;
  at: number;
  /** Who or what switched it, for the audit message: "through the API: <reason>". */
  origin: string;
}

/**
 * @param deps the database and the bus live listeners (console, metrics) hear it on
 * @returns the audit event, already published
 */
export async function setKillSwitch(
  deps: { db: Db; bus: AuditBus },
  change: KillSwitchChange,
): Promise<AuditEvent> {
  const event = await inTransaction(deps.db, async (tx) => {
    await setEnabled(tx, change.enabled, change.at);
    return await appendAudit(tx, {
      at: change.at,
      kind: "kill_switch",
      message: `automation switched ${change.enabled ? "on" : "off"} ${change.origin}`,
    });
  });
  deps.bus.publish([event]);
  return event;
}
