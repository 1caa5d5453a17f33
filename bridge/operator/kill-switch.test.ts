import { describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { createAuditBus } from "../audit-bus.js";
import type { AuditEvent } from "../store/audit.js";
import { isEnabled } from "../store/settings.js";
import { setKillSwitch } from "./kill-switch.js";

const AT = Date.parse("2025-06-02T12:00:00Z");

describe.each(STORE_ENGINES)("setKillSwitch on %s", (engine) => {
  const db = useEngineStore(engine, "kill_switch");

  function withBus() {
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
    expect(await db.count("audit_events", "kind = 'kill_switch'")).toBe(1);

    await setKillSwitch(deps, { enabled: true, at: AT + 1, origin: "by RUNBRIDGE_ENABLED at start" });
    expect(await isEnabled(db.db)).toBe(true);
    expect(heard.map((e) => e.message)).toEqual([
      "automation switched off through the API: incident 42",
      "automation switched on by RUNBRIDGE_ENABLED at start",
    ]);
  });

  it("changes nothing and publishes nothing when the audit event cannot be written", async () => {
    const { deps, heard } = withBus();
    // A real database failure inside the transaction, after the switch row was written.
    await db.exec(
      db.engine === "sqlite"
        ? "CREATE TRIGGER no_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
        : `CREATE FUNCTION no_audit() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'audit refused'; END $$;
           CREATE TRIGGER no_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION no_audit()`,
    );
    // PostgreSQL's error arrives as the cause of drizzle's "Failed query".
    const failure = await setKillSwitch(deps, { enabled: false, at: AT, origin: "through the API" }).catch(
      (error: Error) => error,
    );
    expect(
      `${(failure as Error).message} ${((failure as Error).cause as Error | undefined)?.message}`,
    ).toMatch(/audit refused/);
    expect(await isEnabled(db.db)).toBe(true);
    expect(heard).toEqual([]);
    await db.exec(db.engine === "sqlite" ? "DROP TRIGGER no_audit" : "DROP TRIGGER no_audit ON audit_events");
  });
});
