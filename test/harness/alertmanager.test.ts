// Proves the Alertmanager launcher against the real binary: the generated config is valid, a single
// instance delivers firing + resolved webhooks with the configured auth, and an HA pair delivers
// (usually one, sometimes two) notifications for an alert posted to both members.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AlertmanagerOptions,
  AMTOOL_BIN,
  renderAlertmanagerConfig,
  startAlertmanagerCluster,
} from "./alertmanager.js";
import { makeTempDir, removeTempDir } from "./processes.js";
import { startWebhookReceiver } from "./webhook-receiver.js";

const run = promisify(execFile);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Reverse order: Alertmanager before the receiver it sends to.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const bearer = { type: "Bearer", credentials: "s3cret-token" } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("renderAlertmanagerConfig", () => {
  it.each<[string, Partial<AlertmanagerOptions>]>([
    ["bearer authorization", { authorization: bearer }],
    ["basic auth", { basicAuth: { username: "am", password: "pw" } }],
    ["no auth, custom grouping", { groupBy: ["alertname", "instance"], sendResolved: false }],
  ])("passes amtool check-config with %s", async (_name, extra) => {
    const dir = await makeTempDir("amtool");
    cleanups.push(() => removeTempDir(dir));
    const file = join(dir, "alertmanager.yml");
    await writeFile(file, renderAlertmanagerConfig({ webhookUrl: "http://127.0.0.1:1/webhook", ...extra }));
    const { stdout } = await run(AMTOOL_BIN, ["check-config", file]);
    expect(stdout).toContain("SUCCESS");
    expect(stdout).toContain("1 receivers");
  });

  it("rejects authorization together with basicAuth", () => {
    expect(() =>
      renderAlertmanagerConfig({
        webhookUrl: "http://x",
        authorization: bearer,
        basicAuth: { username: "a", password: "b" },
      }),
    ).toThrow(/mutually exclusive/);
  });
});

describe("startAlertmanagerCluster", () => {
  it("single instance: firing then resolved webhook v4 with the Authorization header", async () => {
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const am = await startAlertmanagerCluster({ size: 1, webhookUrl: receiver.url, authorization: bearer });
    cleanups.push(() => am.close());
    expect((await am.status()).cluster.status).toBe("disabled");

    const labels = { alertname: "HarnessSingle", severity: "critical", instance: "web-1" };
    const t0 = Date.now();
    await am.postAlerts([
      { labels, annotations: { summary: "harness" }, startsAt: new Date().toISOString() },
    ]);
    const firing = await receiver.waitFor((w) => w.body.status === "firing");
    console.log(`[single] post → firing webhook: ${firing.at - t0} ms`);

    expect(firing.method).toBe("POST");
    expect(firing.headers.authorization).toBe("Bearer s3cret-token");
    expect(firing.headers["content-type"]).toContain("application/json");
    expect(firing.body.version).toBe("4");
    expect(firing.body.receiver).toBe("runbridge");
    expect(firing.body.groupKey).toContain("HarnessSingle");
    expect(firing.body.externalURL).toBe(am.members[0]?.url);
    expect(firing.body.alerts).toHaveLength(1);
    expect(firing.body.alerts[0]?.labels).toEqual(labels);
    expect(firing.body.alerts[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);

    // endsAt in the past resolves the alert; the next group_interval flush sends it.
    const t1 = Date.now();
    await am.postAlerts([{ labels, endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    const resolved = await receiver.waitFor((w) => w.body.status === "resolved");
    console.log(`[single] post resolve → resolved webhook: ${resolved.at - t1} ms`);
    expect(resolved.headers.authorization).toBe("Bearer s3cret-token");
    expect(resolved.body.groupKey).toBe(firing.body.groupKey);
    expect(resolved.body.alerts[0]?.status).toBe("resolved");
    expect(resolved.body.alerts[0]?.fingerprint).toBe(firing.body.alerts[0]?.fingerprint);
  });

  it("single instance: basic auth reaches the receiver", async () => {
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const am = await startAlertmanagerCluster({
      webhookUrl: receiver.url,
      basicAuth: { username: "am", password: "pw" },
    });
    cleanups.push(() => am.close());
    await am.postAlerts([{ labels: { alertname: "HarnessBasic" } }]);
    const hook = await receiver.waitFor(() => true);
    expect(hook.headers.authorization).toBe(`Basic ${Buffer.from("am:pw").toString("base64")}`);
  });

  it("HA pair: the same alert posted to both members yields ≥1 notification (count logged)", async () => {
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const tStart = Date.now();
    const am = await startAlertmanagerCluster({ size: 2, webhookUrl: receiver.url, authorization: bearer });
    cleanups.push(() => am.close());
    console.log(`[ha] pair started and settled in ${Date.now() - tStart} ms`);
    for (const i of [0, 1]) {
      const s = await am.status(i);
      expect(s.cluster.status).toBe("ready");
      expect(s.cluster.peers).toHaveLength(2);
    }

    const labels = { alertname: "HarnessPair", instance: "web-2" };
    const t0 = Date.now();
    await am.postAlerts([{ labels, startsAt: new Date().toISOString() }]); // both members, like Prometheus
    const first = await receiver.waitFor((w) => w.body.status === "firing");
    // Give the second member time to either dedupe (via the gossiped notification log) or send too:
    // it waits peer-timeout (1s) x its position, then flushes on group_wait/group_interval.
    await sleep(3_000);
    const firing = receiver.received.filter((w) => w.body.status === "firing");
    console.log(
      `[ha] firing notifications: ${firing.length} (at +${firing.map((w) => w.at - t0).join(" ms, +")} ms after post)`,
    );
    expect(firing.length).toBeGreaterThanOrEqual(1);
    expect(first.body.version).toBe("4");
    expect(first.headers.authorization).toBe("Bearer s3cret-token");
    // Whichever member sent it, the group and the alert identity are the same.
    for (const w of firing) {
      expect(w.body.groupKey).toBe(first.body.groupKey);
      expect(w.body.alerts[0]?.fingerprint).toBe(first.body.alerts[0]?.fingerprint);
    }

    const t1 = Date.now();
    await am.postAlerts([{ labels, endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    await receiver.waitFor((w) => w.body.status === "resolved");
    await sleep(3_000);
    const resolved = receiver.received.filter((w) => w.body.status === "resolved");
    console.log(
      `[ha] resolved notifications: ${resolved.length} (at +${resolved.map((w) => w.at - t1).join(" ms, +")} ms after post)`,
    );
    expect(resolved.length).toBeGreaterThanOrEqual(1);
  });
});
