import { describe, expect, it } from "vitest";
import { firingAlert, webhook } from "../../test/fixtures/alertmanager/index.js";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { fixtureRunbooks } from "../../test/fixtures/store/temp-database.js";
import { normalizeWebhook } from "../alerts/normalize.js";
import type { AlertmanagerWebhook } from "../alerts/types.js";
import { decideWebhook } from "../decide/decide-webhook.js";
import { type Execution, findExecution } from "../store/executions.js";
import { clientPayload, dispatchInputs, MAX_ALERT_JSON, runbookVersion } from "./payload.js";

/** GitHub's limits: inputs of a workflow_dispatch, client_payload of a repository_dispatch. */
const MAX_INPUTS_CHARS = 65_535;
const MAX_CLIENT_PAYLOAD_BYTES = 64 * 1024;

const T0 = Date.parse("2025-06-02T12:00:00Z");

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "payload");

  /** Decides one alert through the real path and returns its execution row. */
  async function executionFor(
    labels: Record<string, string>,
    annotations: Record<string, string> = {},
  ): Promise<Execution> {
    const body = webhook([firingAlert(labels, { annotations })]) as unknown as AlertmanagerWebhook;
    const { executions } = await decideWebhook(
      {
        db: db.db,
        runbooks: fixtureRunbooks(),
        dryRun: false,
        storm: { max: 30, windowMs: 300_000, openForMs: 900_000 },
        staleAfterMs: 21_600_000,
        now: T0,
      },
      normalizeWebhook(body),
    );
    const execution = await findExecution(db.db, executions[0]?.id as string);
    if (!execution) throw new Error("no execution");
    return execution;
  }

  describe("dispatchInputs", () => {
    it("sends exactly the seven inputs the remediate workflow declares, all strings", async () => {
      const execution = await executionFor({ instance: "web-1:9113" }, { summary: "nginx is down" });
      const inputs = dispatchInputs(execution);
      expect(Object.keys(inputs).sort()).toEqual([
        "alert",
        "execution_id",
        "run_name",
        "runbook",
        "runbook_sha",
        "severity",
        "target",
      ]);
      expect(inputs).toMatchObject({
        execution_id: execution.id,
        run_name: "web-restart on web-1",
        runbook: "web-restart",
        runbook_sha: `sha256:${execution.runbookHash}`,
        target: "web-1",
        severity: "critical",
      });
      expect(Object.values(inputs).every((value) => typeof value === "string")).toBe(true);
      expect(JSON.parse(inputs.alert)).toEqual({
        labels: { alertname: "NginxDown", severity: "critical", instance: "web-1:9113" },
        annotations: { summary: "nginx is down" },
        startsAt: "2025-06-02T12:00:00.000Z",
        status: "firing",
        fingerprint: execution.fingerprint,
      });
    });

    it("prefers the set's Git commit as runbook_sha when known", async () => {
      const execution = {
        ...(await executionFor({ instance: "web-1" })),
        runbookSha: "0123456789abcdef0123456789abcdef01234567",
      };
      expect(runbookVersion(execution)).toBe("0123456789abcdef0123456789abcdef01234567");
    });

    it("keeps a hostile alert under GitHub's limits: huge and many labels and annotations", async () => {
      const labels: Record<string, string> = { instance: "web-1" };
      const annotations: Record<string, string> = {};
      for (let index = 0; index < 500; index++) {
        labels[`label_${index}_${"k".repeat(300)}`] = "v".repeat(10_000);
        annotations[`note_${index}`] = "😀".repeat(5_000);
      }
      const execution = await executionFor(labels, annotations);
      const inputs = dispatchInputs(execution);
      expect(inputs.alert.length).toBeLessThanOrEqual(MAX_ALERT_JSON);
      expect(JSON.stringify(inputs).length).toBeLessThan(MAX_INPUTS_CHARS);
      expect(JSON.parse(inputs.alert)).toMatchObject({ truncated: true, labels: { alertname: "NginxDown" } });
      const payload = clientPayload(execution);
      expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(MAX_CLIENT_PAYLOAD_BYTES);
    });

    it("keeps labels but drops annotations first when only the annotations are too big", async () => {
      const execution = await executionFor(
        { instance: "web-1", team: "web" },
        Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`note_${index}`, "x".repeat(1_000)])),
      );
      const alert = JSON.parse(dispatchInputs(execution).alert);
      expect(alert.annotations).toBeUndefined();
      expect(alert).toMatchObject({ truncated: true, labels: { team: "web", instance: "web-1" } });
    });

    it("keeps a hostile severity label within the limits", async () => {
      const execution = await executionFor({ instance: "web-1", severity: "s".repeat(200_000) });
      const inputs = dispatchInputs(execution);
      expect(JSON.stringify(inputs).length).toBeLessThan(MAX_INPUTS_CHARS);
      expect(Buffer.byteLength(JSON.stringify(clientPayload(execution)))).toBeLessThan(
        MAX_CLIENT_PAYLOAD_BYTES,
      );
    });

    it("never dispatches to a hostile, huge target", async () => {
      const execution = await executionFor({ instance: `web-${"a".repeat(200_000)}` });
      expect(execution.state).toBe("suppressed");
      expect(execution.guard).toBe("target_not_allowed");
      expect(await db.count("outbox")).toBe(0);
    });
  });

  describe("clientPayload", () => {
    it("has at most 10 top-level keys and carries the alert as an object", async () => {
      const execution = await executionFor({ instance: "web-1" });
      const payload = clientPayload(execution);
      expect(Object.keys(payload).length).toBeLessThanOrEqual(10);
      expect(Object.keys(payload).sort()).toEqual([
        "alert",
        "execution_id",
        "run_name",
        "runbook",
        "runbook_sha",
        "severity",
        "target",
      ]);
      expect(payload.alert).toMatchObject({ labels: { instance: "web-1" } });
    });
  });
});
