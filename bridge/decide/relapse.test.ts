// Relapse: the same alert firing again within the runbook's outcome.relapseWithin (1h by
// default) after a verified execution is linked to it (a column on the new execution and an
// audit event), whatever the new decision is; later than that it is a new problem.
import { describe, expect, it } from "vitest";
import { firingAlert, webhook } from "../../test/fixtures/alertmanager/index.js";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { fixtureRunbooks } from "../../test/fixtures/store/temp-database.js";
import { normalizeWebhook } from "../alerts/normalize.js";
import { checkAlertmanagerWebhook } from "../alerts/validate.js";
import { queryAudit } from "../store/audit.js";
import { updateExecution } from "../store/execution-writes.js";
import { findExecution } from "../store/executions.js";
import { decideWebhook } from "./decide-webhook.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
const MINUTE = 60_000;

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "relapse");

  async function deliver(startsAt: string, now: number, instance = "web-1") {
    const check = checkAlertmanagerWebhook(
      webhook([firingAlert({ instance: `${instance}:9113` }, { startsAt })]),
    );
    if (!check.ok) throw new Error(check.error);
    const decided = await decideWebhook(
      {
        db: db.db,
        runbooks: fixtureRunbooks(),
        dryRun: false,
        storm: { max: 30, windowMs: 5 * MINUTE, openForMs: 15 * MINUTE },
        staleAfterMs: 6 * 60 * MINUTE,
        now,
      },
      normalizeWebhook(check.webhook),
    );
    return decided.executions[0]?.id as string;
  }

  /** The first occurrence, remediated and verified cleared at T0 + 5m (the scene, set directly). */
  async function verifiedFirst(): Promise<string> {
    const id = await deliver("2025-06-02T11:59:00Z", T0);
    await updateExecution(db.db, id, {
      state: "verified",
      clearedAt: T0 + 5 * MINUTE,
      updatedAt: T0 + 5 * MINUTE,
    });
    return id;
  }

  describe("a relapse", () => {
    it("the same alert firing again 20m after it was verified cleared is linked to that execution", async () => {
      const first = await verifiedFirst();
      const again = await deliver("2025-06-02T12:25:00Z", T0 + 25 * MINUTE);
      expect((await findExecution(db.db, again))?.relapseOf).toBe(first);
      const [event] = await queryAudit(db.db, { kind: "execution.relapse" });
      expect(event).toMatchObject({
        executionId: again,
        runbook: "web-restart",
        message: `relapse of ${first}: the alert fired again 20m after that execution's remediation cleared it (outcome.relapseWithin 1h)`,
        data: { relapseOf: first, clearedAt: T0 + 5 * MINUTE },
      });
    });

    it("later than relapseWithin, or another alert (another target), is no relapse", async () => {
      await verifiedFirst();
      const other = await deliver("2025-06-02T12:10:00Z", T0 + 10 * MINUTE, "web-2");
      const late = await deliver("2025-06-02T13:06:00Z", T0 + 66 * MINUTE);
      expect([
        (await findExecution(db.db, other))?.relapseOf,
        (await findExecution(db.db, late))?.relapseOf,
      ]).toEqual([null, null]);
      expect(await queryAudit(db.db, { kind: "execution.relapse" })).toEqual([]);
    });

    it("an execution that was not verified (not_cleared) has no relapse: the alert never went away", async () => {
      const id = await deliver("2025-06-02T11:59:00Z", T0);
      await updateExecution(db.db, id, { state: "not_cleared", updatedAt: T0 + 20 * MINUTE });
      expect(
        (await findExecution(db.db, await deliver("2025-06-02T12:25:00Z", T0 + 25 * MINUTE)))?.relapseOf,
      ).toBeNull();
    });
  });
});
