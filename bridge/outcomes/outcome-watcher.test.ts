// The deadline check against a real Alertmanager (Debian's prometheus-alertmanager on loopback)
// and a real store, on SQLite and on PostgreSQL: an alert Alertmanager still lists makes the
// succeeded run not_cleared, one it no longer lists (its resolved notification lost) verified; a
// dead member of an HA pair is tried and passed over; label values with quotes stay one matcher.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { type AlertmanagerCluster, startAlertmanagerCluster } from "../../test/harness/alertmanager.js";
import { freePort, waitUntil } from "../../test/harness/ports.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../test/harness/webhook-receiver.js";
import { loopRunbooks, seedExecution } from "../../test/loop/seed.js";
import { createAuditBus } from "../audit-bus.js";
import { recordRunState } from "../executions/run.js";
import { createLogger } from "../logger.js";
import { type Execution, findExecution } from "../store/executions.js";
import { alertsQuery, createAlertmanagerAlerts } from "./alertmanager-alerts.js";
import { createOutcomeWatcher } from "./outcome-watcher.js";

const MINUTE = 60_000;
const GRACE = 5 * MINUTE;

let am: AlertmanagerCluster;
let receiver: WebhookReceiver;
let deadUrl: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  am = await startAlertmanagerCluster({ webhookUrl: receiver.url });
  deadUrl = `http://127.0.0.1:${await freePort()}`;
}, 30_000);
afterAll(async () => {
  await am?.close();
  await receiver?.close();
});

interface Listed {
  fingerprint: string;
  startsAt: string;
  labels: Record<string, string>;
}

/** Posts a firing alert to Alertmanager and returns it as Alertmanager lists it (its fingerprint). */
async function firing(labels: Record<string, string>, startsAt: string): Promise<Listed> {
  await am.postAlerts([{ labels, startsAt, endsAt: new Date(Date.now() + 60 * MINUTE).toISOString() }]);
  const member = am.members[0]?.url as string;
  return waitUntil(
    async () => {
      const response = await fetch(`${member}/api/v2/alerts?${alertsQuery(labels)}`);
      const alerts = (await response.json()) as Listed[];
      return alerts.find((alert) => alert.labels.alertname === labels.alertname);
    },
    { what: `Alertmanager to list ${labels.alertname}`, timeoutMs: 10_000 },
  );
}

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "outcome_watcher");

  /** An nginx-loop execution for `alert` whose run succeeded at `now`, with its deadline passed by `now + 20m`. */
  async function succeededFor(alert: Listed, runId: number, now: number): Promise<Execution> {
    const execution = await seedExecution(db.db, now - MINUTE, {
      runId,
      state: "running",
      fingerprint: alert.fingerprint,
      startsAt: alert.startsAt,
      alertname: alert.labels.alertname,
      target: alert.labels.instance,
      alert: { labels: alert.labels },
    });
    await recordRunState(
      { db: db.db, runbooks: loopRunbooks, now },
      { runId, status: "completed", conclusion: "success" },
    );
    return execution;
  }

  function watcher(urls: string[], clock: { now: number }) {
    const runbooks = loopRunbooks();
    const bus = createAuditBus();
    const kinds: string[] = [];
    bus.subscribe((event) => kinds.push(event.kind));
    return {
      kinds,
      watcher: createOutcomeWatcher({
        db: db.db,
        runbooks: () => runbooks,
        bus,
        log: createLogger("silent"),
        alerts: createAlertmanagerAlerts({ urls, timeoutMs: 2_000 }),
        askAlertmanager: urls.length > 0,
        graceMs: GRACE,
        intervalMs: 1_000,
        now: () => clock.now,
      }),
    };
  }

  const stateOf = async (execution: Execution) => await findExecution(db.db, execution.id);

  describe("the outcome watcher, asking a real Alertmanager at the deadline", () => {
    it("still firing there: not_cleared; no longer listed (the resolved notification was lost): verified", async () => {
      const now = Date.now();
      const stillFiring = await firing(
        { alertname: "OutcomeStillFiring", instance: "web-1", severity: "critical" },
        new Date(now - 10 * MINUTE).toISOString(),
      );
      const cleared = await firing(
        { alertname: "OutcomeCleared", instance: "web-2", severity: "critical" },
        new Date(now - 10 * MINUTE).toISOString(),
      );
      const a = await succeededFor(stillFiring, 1, now);
      const b = await succeededFor(cleared, 2, now);
      // The alert resolves in Alertmanager, but the bridge never hears of it (the notification is lost).
      await am.postAlerts([
        {
          labels: cleared.labels,
          startsAt: cleared.startsAt,
          endsAt: new Date(Date.now() - 1_000).toISOString(),
        },
      ]);

      const clock = { now: now + 15 * MINUTE + GRACE - 1 };
      const { watcher: watch, kinds } = watcher(
        am.members.map((member) => member.url),
        clock,
      );
      await watch.runOnce();
      expect(kinds).toEqual([]);
      expect((await stateOf(a))?.state).toBe("succeeded");

      clock.now += 1;
      await watch.runOnce();
      expect(await stateOf(a)).toMatchObject({
        state: "not_cleared",
        reason: expect.stringContaining(`lists it active since ${stillFiring.startsAt}`),
      });
      expect(await stateOf(b)).toMatchObject({
        state: "verified",
        clearedAt: clock.now,
        reason: expect.stringContaining("its resolved notification never reached the bridge"),
      });
      // The not_cleared one is told to the runbook's channels; each critical execution that ran
      // queues its post-incident review once its outcome is known.
      expect(kinds).toEqual([
        "execution.outcome",
        "notification.queued",
        "notification.queued",
        "notification.queued",
        "execution.outcome",
        "notification.queued",
      ]);
    }, 30_000);

    it("tries each member of an HA pair: a dead one first, the live one answers", async () => {
      const now = Date.now();
      const alert = await firing(
        { alertname: "OutcomeHaPair", instance: "web-3", severity: "critical" },
        new Date(now - 5 * MINUTE).toISOString(),
      );
      const execution = await succeededFor(alert, 3, now);
      const clock = { now: now + 30 * MINUTE };
      await watcher([deadUrl, am.members[0]?.url as string], clock).watcher.runOnce();
      expect((await stateOf(execution))?.state).toBe("not_cleared");
    }, 30_000);

    it("a new occurrence of the same alert (another startsAt) means this one ended", async () => {
      const now = Date.now();
      const alert = await firing(
        { alertname: "OutcomeRefired", instance: "web-4", severity: "critical" },
        new Date(now - 5 * MINUTE).toISOString(),
      );
      const execution = await succeededFor(
        { ...alert, startsAt: new Date(now - 50 * MINUTE).toISOString() },
        4,
        now,
      );
      await watcher([am.members[0]?.url as string], { now: now + 30 * MINUTE }).watcher.runOnce();
      expect((await stateOf(execution))?.state).toBe("verified");
    }, 30_000);

    it("a label value with quotes and backslashes stays one matcher and still finds its alert", async () => {
      const labels = { alertname: "OutcomeQuoted", instance: 'web-5",job="x\\', severity: "critical" };
      const alert = await firing(labels, new Date(Date.now() - MINUTE).toISOString());
      expect(alert.labels.instance).toBe(labels.instance);
      const check = await createAlertmanagerAlerts({ urls: [am.members[0]?.url as string] }).check(alert);
      expect(check).toEqual({ kind: "active", source: am.members[0]?.url });
    }, 30_000);

    it("no Alertmanager answers: asked again for one more grace, then not_cleared with the reason", async () => {
      const now = Date.now();
      const execution = await succeededFor(
        {
          fingerprint: "0123456789abcdef",
          startsAt: new Date(now - MINUTE).toISOString(),
          labels: { alertname: "X" },
        },
        5,
        now,
      );
      const clock = { now: now + 15 * MINUTE + GRACE };
      const { watcher: watch } = watcher([deadUrl], clock);
      await watch.runOnce();
      expect((await stateOf(execution))?.state).toBe("succeeded");
      clock.now += GRACE;
      await watch.runOnce();
      expect((await stateOf(execution))?.reason).toMatch(
        /^not_cleared: no resolved notification within 15m after the run succeeded \(outcome\.within\); no Alertmanager answered \(http:\/\/127\.0\.0\.1:\d+ .*\); check ALERTMANAGER_URL/,
      );
    }, 30_000);
  });
});
