// POST /api/silences against the real Alertmanager (Debian prometheus-alertmanager): the silence
// lands in Alertmanager with its matchers, comment and author; bad requests get a 4xx naming the
// field, and an unreachable or refusing Alertmanager a 502.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AlertmanagerCluster, startAlertmanagerCluster } from "../harness/alertmanager.js";
import { freePort, LOOPBACK } from "../harness/ports.js";
import {
  fireAlert,
  getJson,
  type OperatedBridge,
  runbookYaml,
  startOperatedBridge,
} from "./start-operated-bridge.js";

const TOKEN = "operator-secret";

interface AmSilence {
  id: string;
  status: { state: string };
  comment: string;
  createdBy: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  startsAt: string;
  endsAt: string;
}

function post(bridge: OperatedBridge, body: unknown, token: string | undefined = TOKEN): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`${bridge.url}/api/silences`, { method: "POST", headers, body: JSON.stringify(body) });
}

async function errorOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: string }).error;
}

describe("POST /api/silences", () => {
  let am: AlertmanagerCluster;
  let bridge: OperatedBridge;
  let deadUrl: string;

  beforeAll(async () => {
    deadUrl = `http://${LOOPBACK}:${await freePort()}`;
    // The bridge's own webhook is not needed here; Alertmanager just needs a receiver.
    am = await startAlertmanagerCluster({ webhookUrl: `${deadUrl}/webhook/alertmanager` });
    bridge = await startOperatedBridge({
      runbooks: { "web-down.yml": runbookYaml("web-down", "WebDown") },
      // An HA pair whose first member is down: the bridge falls through to the next one.
      env: { RUNBRIDGE_API_TOKEN: TOKEN, ALERTMANAGER_URL: `${deadUrl},${am.members[0]?.url}/` },
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await am?.close();
  });

  it("creates the silence in Alertmanager from an alert's labels and records it", async () => {
    const response = await post(bridge, {
      labels: { alertname: "WebDown", instance: "web-1" },
      duration: "2h",
      comment: "deploying a fix",
      createdBy: "alice",
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { silenceId: string; endsAt: string; url: string };
    expect(created.url).toBe(`${am.members[0]?.url}/#/silences/${created.silenceId}`);
    const durationMs = Date.parse(created.endsAt) - Date.now();
    expect(durationMs).toBeGreaterThan(7_100_000);
    expect(durationMs).toBeLessThanOrEqual(7_200_000);

    const silence = await getJson<AmSilence>(`${am.members[0]?.apiUrl}/silence/${created.silenceId}`);
    expect(silence).toMatchObject({
      comment: "deploying a fix",
      createdBy: "alice",
      status: { state: "active" },
    });
    expect(silence.matchers).toEqual([
      { name: "alertname", value: "WebDown", isRegex: false, isEqual: true },
      { name: "instance", value: "web-1", isRegex: false, isEqual: true },
    ]);

    const audit = await getJson<{ events: { kind: string; alertname: string; message: string }[] }>(
      `${bridge.url}/api/audit?kind=silence.created`,
      { headers: { authorization: `Bearer ${TOKEN}` } },
    );
    expect(audit.events[0]).toMatchObject({ kind: "silence.created", alertname: "WebDown" });
    expect(audit.events[0]?.message).toContain(created.silenceId);
    expect(audit.events[0]?.message).toContain("alice");
  });

  it("silences the alert of an execution by its id", async () => {
    const fired = await fireAlert(bridge.url, {
      alertname: "WebDown",
      instance: "web-7",
      severity: "critical",
    });
    const id = fired.body.executions?.[0]?.id;
    const response = await post(bridge, { executionId: id, duration: "30m", comment: "known issue" });
    expect(response.status).toBe(201);
    const { silenceId } = (await response.json()) as { silenceId: string };
    const silence = await getJson<AmSilence>(`${am.members[0]?.apiUrl}/silence/${silenceId}`);
    expect(silence.createdBy).toBe("runbridge");
    expect(Object.fromEntries(silence.matchers.map((m) => [m.name, m.value]))).toEqual({
      alertname: "WebDown",
      instance: "web-7",
      severity: "critical",
    });
  });

  it("passes matchers through, regex and negative ones included", async () => {
    const response = await post(bridge, {
      matchers: [
        { name: "alertname", value: "Web.*", isRegex: true },
        { name: "env", value: "prod", isEqual: false },
      ],
      duration: "1h",
      comment: "maintenance",
    });
    expect(response.status).toBe(201);
    const { silenceId } = (await response.json()) as { silenceId: string };
    const silence = await getJson<AmSilence>(`${am.members[0]?.apiUrl}/silence/${silenceId}`);
    expect(silence.matchers).toEqual([
      { name: "alertname", value: "Web.*", isRegex: true, isEqual: true },
      { name: "env", value: "prod", isRegex: false, isEqual: false },
    ]);
  });

  describe("refuses", () => {
    it.each([
      [{ duration: "1h", comment: "x" }, /exactly one of matchers, labels or executionId/],
      [{ labels: { alertname: "A" }, matchers: [], duration: "1h", comment: "x" }, /exactly one/],
      [{ labels: { alertname: "A" }, duration: "soon", comment: "x" }, /duration must be a duration/],
      [{ labels: { alertname: "A" }, duration: "10s", comment: "x" }, /from 1m to 30d/],
      [{ labels: { alertname: "A" }, duration: "60d", comment: "x" }, /from 1m to 30d/],
      [{ labels: { alertname: "A" }, duration: "1h", comment: " " }, /comment must say why/],
      [{ labels: {}, duration: "1h", comment: "x" }, /at least one label/],
      [{ matchers: [{ name: "bad-name", value: "x" }], duration: "1h", comment: "x" }, /matchers\[0\]\.name/],
      [{ matchers: [{ name: "a", value: "x", isRegex: "yes" }], duration: "1h", comment: "x" }, /isRegex/],
    ])("%j with 400", async (body, message) => {
      const response = await post(bridge, body);
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatch(message);
    });

    it("an unknown execution with 404", async () => {
      const response = await post(bridge, { executionId: "ex_nope", duration: "1h", comment: "x" });
      expect(response.status).toBe(404);
      expect(await errorOf(response)).toMatch(/no execution ex_nope/);
    });

    it("what Alertmanager itself rejects with 400 and its reason", async () => {
      const response = await post(bridge, {
        matchers: [{ name: "alertname", value: "(", isRegex: true }],
        duration: "1h",
        comment: "broken regex",
      });
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatch(/Alertmanager rejected the silence/);
    });

    it("callers without the API token with 401", async () => {
      const response = await post(
        bridge,
        { labels: { alertname: "A" }, duration: "1h", comment: "x" },
        "wrong",
      );
      expect(response.status).toBe(401);
    });
  });
});

describe("POST /api/silences without a usable Alertmanager", () => {
  it("answers 502 when no Alertmanager answers, 503 when none is configured, 403 without a token", async () => {
    const dead = `http://${LOOPBACK}:${await freePort()}`;
    const unreachable = await startOperatedBridge({
      runbooks: { "web-down.yml": runbookYaml("web-down", "WebDown") },
      env: { RUNBRIDGE_API_TOKEN: TOKEN, ALERTMANAGER_URL: dead },
    });
    const unconfigured = await startOperatedBridge({
      runbooks: { "web-down.yml": runbookYaml("web-down", "WebDown") },
      env: { RUNBRIDGE_API_TOKEN: TOKEN },
    });
    const tokenless = await startOperatedBridge({
      runbooks: { "web-down.yml": runbookYaml("web-down", "WebDown") },
      env: { ALERTMANAGER_URL: dead },
    });
    try {
      const body = { labels: { alertname: "A" }, duration: "1h", comment: "x" };
      const down = await post(unreachable, body);
      expect(down.status).toBe(502);
      expect(await errorOf(down)).toMatch(new RegExp(`cannot reach Alertmanager at ${dead}`));
      const none = await post(unconfigured, body);
      expect(none.status).toBe(503);
      expect(await errorOf(none)).toMatch(/ALERTMANAGER_URL/);
      const forbidden = await post(tokenless, body, undefined);
      expect(forbidden.status).toBe(403);
      expect(await errorOf(forbidden)).toMatch(/RUNBRIDGE_API_TOKEN/);
    } finally {
      await Promise.all([unreachable.close(), unconfigured.close(), tokenless.close()]);
    }
  });
});
