import { afterEach, describe, expect, it } from "vitest";
import { type TempDatabase, tempDatabase } from "../../test/fixtures/store/temp-database.js";
import { createAuditBus } from "../audit-bus.js";
import type { AuditEvent } from "../store/audit.js";
import { isEnabled } from "../store/settings.js";
import { setKillSwitch } from "./kill-switch.js";

const AT = Date.parse("2025-06-02T12:00:00Z");

describe("setKillSwitch", () => {
  let db: TempDatabase;
  afterEach(() => db.remove());

  function withBus() {
    db = tempDatabase();
    const heard: AuditEvent[] = [];
    const bus = createAuditBus();
    bus.subscribe((event) => heard.push(event));
    return { deps: { db: db.db, bus }, heard };
  }

  it("stores the switch, audits who switched it and publishes that event", async () => {
    const { deps, heard } = withBus();
    const event = await setKillSwitch(deps, {
      enabled: false,
      at: AT,
      origin: "through the API: incident 42",
    });
    expect(await isEnabled(db.db)).toBe(false);
    expect(event).toMatchObject({
      kind: "kill_switch",
      at: AT,
      message: "automation switched off through the API: incident 42",
    });
    expect(heard).toEqual([event]);
    expect(db.count("audit_events", "kind = 'kill_switch'")).toBe(1);

    await setKillSwitch(deps, { enabled: true, at: AT + 1, origin: "by RUNBRIDGE_ENABLED at start" });
    expect(await isEnabled(db.db)).toBe(true);
    expect(heard.map((e) => e.message)).toEqual([
      "automation switched off through the API: incident 42",
      "automation switched on by RUNBRIDGE_ENABLED at start",
    ]);
  });

  it("changes nothing and publishes nothing when the audit event cannot be written", async () => {
    const { deps, heard } = withBus();
    // A real SQLite failure inside the transaction, after the switch row was written.
    db.sqlite.exec(
      "CREATE TRIGGER no_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
    );
    await expect(setKillSwitch(deps, { enabled: false, at: AT, origin: "through the API" })).rejects.toThrow(
      /audit refused/,
    );
    expect(await isEnabled(db.db)).toBe(true);
    expect(heard).toEqual([]);
  });
});
