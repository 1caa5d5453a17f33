import { afterEach, describe, expect, it } from "vitest";
import { firingAlert, webhook } from "../../test/fixtures/alertmanager/index.js";
import { T0, type TestApp, testApp } from "../../test/fixtures/http/test-app.js";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import { openStormBreaker } from "../executions/breaker-changes.js";
import { appendAudit } from "../store/audit.js";
import { writeRunJob } from "../store/run-jobs.js";

let t: TestApp;
afterEach(() => t?.close());

const MINUTE = 60_000;
type Json = Record<string, unknown>;

async function json(response: Response | Promise<Response>): Promise<Json> {
  return (await (await response).json()) as Json;
}

/** Six decisions a minute apart: four dispatches and two refusals, on several runbooks and targets. */
async function seed(): Promise<void> {
  const deliveries = [
    firingAlert({ instance: "web-1:9113" }, { startsAt: "2025-06-02T11:50:00Z" }),
    firingAlert({ instance: "web-2:9113" }, { startsAt: "2025-06-02T11:51:00Z" }),
    firingAlert({ instance: "db-1:9113" }, { startsAt: "2025-06-02T11:52:00Z" }),
    firingAlert({ alertname: "DiskFull", instance: "fs-1" }, { startsAt: "2025-06-02T11:53:00Z" }),
    firingAlert({ alertname: "DiskFull", instance: "fs-2" }, { startsAt: "2025-06-02T11:54:00Z" }),
    firingAlert({ alertname: "Unrouted" }, { startsAt: "2025-06-02T11:55:00Z" }),
  ];
  for (const [index, alert] of deliveries.entries()) {
    t.clock.now = T0 + index * MINUTE;
    expect((await t.post(webhook([alert]))).status).toBe(200);
  }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const idsOf = (body: Json) => (body.executions as { id: string }[]).map((e) => e.id);

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const store = useEngineStore(engine, "api");

  describe("read API", () => {
    describe("GET /api/executions", () => {
      it("lists executions newest first", async () => {
        t = testApp({}, {}, store.db);
        await seed();
        const body = await json(t.get("/api/executions"));
        expect((body.executions as Json[]).map((e) => [e.alertname, e.target, e.state])).toEqual([
          ["Unrouted", null, "suppressed"],
          ["DiskFull", "fs-2", "pending"],
          ["DiskFull", "fs-1", "pending"],
          ["NginxDown", "db-1", "suppressed"],
          ["NginxDown", "web-2", "pending"],
          ["NginxDown", "web-1", "pending"],
        ]);
        expect(body.next).toBeNull();
      });

      it.each<[string, string, [string, string | null][]]>([
        [
          "state",
          "state=suppressed",
          [
            ["Unrouted", null],
            ["NginxDown", "db-1"],
          ],
        ],
        [
          "several states",
          "state=pending,dry_run&runbook=disk-cleanup",
          [
            ["DiskFull", "fs-2"],
            ["DiskFull", "fs-1"],
          ],
        ],
        [
          "runbook",
          "runbook=web-restart",
          [
            ["NginxDown", "db-1"],
            ["NginxDown", "web-2"],
            ["NginxDown", "web-1"],
          ],
        ],
        [
          "alertname",
          "alertname=DiskFull",
          [
            ["DiskFull", "fs-2"],
            ["DiskFull", "fs-1"],
          ],
        ],
        ["target", "target=web-2", [["NginxDown", "web-2"]]],
        [
          "since as a duration back from now",
          "since=90s",
          [
            ["Unrouted", null],
            ["DiskFull", "fs-2"],
          ],
        ],
        [
          "since as an ISO time",
          "since=2025-06-02T12:04:00Z",
          [
            ["Unrouted", null],
            ["DiskFull", "fs-2"],
          ],
        ],
        ["since as epoch milliseconds", `since=${T0 + 5 * MINUTE}`, [["Unrouted", null]]],
      ])("filters by %s", async (_case, query, expected) => {
        t = testApp({}, {}, store.db);
        await seed();
        const body = await json(t.get(`/api/executions?${query}`));
        expect((body.executions as Json[]).map((e) => [e.alertname, e.target])).toEqual(expected);
      });

      it("pages with limit and the next cursor until the end", async () => {
        t = testApp({}, {}, store.db);
        await seed();
        const all = idsOf(await json(t.get("/api/executions")));
        const pages: string[][] = [];
        let cursor: string | null = "";
        while (cursor !== null) {
          const body = await json(t.get(`/api/executions?limit=4${cursor ? `&before=${cursor}` : ""}`));
          pages.push(idsOf(body));
          cursor = body.next as string | null;
        }
        expect(pages.map((page) => page.length)).toEqual([4, 2]);
        expect(pages.flat()).toEqual(all);
      });

      it.each([
        ["an unknown state", "state=done", /^unknown state done; use suppressed, dry_run/],
        ["a limit of 0", "limit=0", /^limit must be a whole number from 1 to 500$/],
        ["a limit that is not a number", "limit=ten", /^limit must be a whole number/],
        [
          "a since that is no time",
          "since=yesterday",
          /^since must be an ISO time, epoch milliseconds or a duration/,
        ],
      ])("answers 400 naming the parameter for %s", async (_case, query, error) => {
        t = testApp({}, {}, store.db);
        const response = await t.get(`/api/executions?${query}`);
        expect(response.status).toBe(400);
        expect(((await response.json()) as { error: string }).error).toMatch(error);
      });
    });

    describe("GET /api/executions/:id", () => {
      it("returns the execution with its audit events, oldest first, and its dispatch attempts", async () => {
        t = testApp({}, {}, store.db);
        await seed();
        const [id] = idsOf(await json(t.get("/api/executions?target=web-1")));
        await appendAudit(t.store, {
          at: T0 + 10 * MINUTE,
          kind: "dispatch.attempt",
          executionId: id,
          message: "attempt 1",
        });
        await appendAudit(t.store, {
          at: T0 + 10 * MINUTE,
          kind: "dispatch.accepted",
          executionId: id,
          message: "GitHub started run 9000000001",
        });
        const body = await json(t.get(`/api/executions/${id}`));
        expect(body.execution).toMatchObject({
          id,
          runbook: "web-restart",
          target: "web-1",
          state: "pending",
        });
        expect((body.events as Json[]).map((e) => e.kind)).toEqual([
          "decision.pending",
          "dispatch.attempt",
          "dispatch.accepted",
        ]);
        expect((body.dispatchAttempts as Json[]).map((e) => e.message)).toEqual([
          "attempt 1",
          "GitHub started run 9000000001",
        ]);
        expect(body.jobs).toEqual([]);
      });

      it("returns the jobs of its run (its phases) in the order GitHub created them", async () => {
        t = testApp({}, {}, store.db);
        await seed();
        const [id, other] = idsOf(await json(t.get("/api/executions?runbook=web-restart&state=pending")));
        const job = { runId: 9, status: "completed", conclusion: "success", updatedAt: T0 };
        await writeRunJob(t.store, { ...job, jobId: 12, executionId: id as string, name: "remediate" });
        await writeRunJob(t.store, { ...job, jobId: 11, executionId: id as string, name: "health-check" });
        await writeRunJob(t.store, {
          ...job,
          jobId: 13,
          executionId: other as string,
          name: "someone else's",
        });
        const body = await json(t.get(`/api/executions/${id}`));
        expect((body.jobs as Json[]).map((j) => [j.name, j.conclusion])).toEqual([
          ["health-check", "success"],
          ["remediate", "success"],
        ]);
      });

      it("answers 404 for an unknown id", async () => {
        t = testApp({}, {}, store.db);
        const response = await t.get("/api/executions/ex_nope");
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({ error: "no execution ex_nope" });
      });
    });

    describe("GET /api/audit", () => {
      it.each<[string, string, string[]]>([
        [
          "n",
          "n=2",
          [
            "no runbook: no runbook matches this alert (alertname Unrouted)",
            "dispatching disk-cleanup on fs-2 via cleanup.yml@stable",
          ],
        ],
        [
          "kind",
          "kind=decision.suppressed",
          [
            "no runbook: no runbook matches this alert (alertname Unrouted)",
            "target not allowed: db-1 is not in web-restart's allow-list (web-*)",
          ],
        ],
        [
          "alertname",
          "alertname=NginxDown&kind=decision.pending",
          [
            "dispatching web-restart on web-2 via remediate.yml@main",
            "dispatching web-restart on web-1 via remediate.yml@main",
          ],
        ],
        ["since", "since=30s", ["no runbook: no runbook matches this alert (alertname Unrouted)"]],
        [
          "contains",
          "contains=ALLOW-LIST",
          ["target not allowed: db-1 is not in web-restart's allow-list (web-*)"],
        ],
        ["contains with _ taken literally", "contains=web_1", ["audit test: web_1 at 50%"]],
        ["contains with % taken literally", "contains=50%25", ["audit test: web_1 at 50%"]],
        ["contains with a % that is not there", "contains=web%25restart", []],
      ])("filters by %s", async (_case, query, expected) => {
        t = testApp({}, {}, store.db);
        await seed();
        if (query.startsWith("contains")) {
          await appendAudit(t.store, {
            at: T0,
            kind: "silence.created",
            message: "audit test: web_1 at 50%",
          });
          await appendAudit(t.store, {
            at: T0,
            kind: "silence.created",
            message: "audit test: webX1 at 50 percent",
          });
        }
        const body = await json(t.get(`/api/audit?${query}`));
        expect((body.events as Json[]).map((e) => e.message)).toEqual(expected);
      });

      it("answers 400 for an n out of range", async () => {
        t = testApp({}, {}, store.db);
        expect((await t.get("/api/audit?n=5000")).status).toBe(400);
      });
    });

    describe("GET /api/status", () => {
      it("reports the switch, dry-run, runbooks with their hash, open breakers and the outbox depth", async () => {
        t = testApp({}, {}, store.db);
        await seed();
        await openStormBreaker(t.store, "storm limit: test", 15 * MINUTE, t.clock.now);
        const body = await json(t.get("/api/status"));
        expect(body).toMatchObject({
          enabled: true,
          dryRun: false,
          repository: "acme/ops",
          runbooks: {
            count: 6,
            sourceHash: expect.stringMatching(/^[0-9a-f]{64}$/),
            commitSha: null,
            names: expect.arrayContaining(["web-restart", "disk-cleanup"]),
          },
          runbookProblems: [],
          openBreakers: [
            expect.objectContaining({ key: "global", state: "open", reason: "storm limit: test" }),
          ],
          outboxDepth: 4,
          executionsByState: { pending: 4, suppressed: 2 },
        });
      });

      it("no longer lists a storm breaker whose time is up", async () => {
        t = testApp({}, {}, store.db);
        await openStormBreaker(t.store, "storm", 15 * MINUTE, T0);
        t.clock.now = T0 + 15 * MINUTE;
        expect((await json(t.get("/api/status"))).openBreakers).toEqual([]);
      });
    });
  });

  describe("operator writes", () => {
    it("refuses the kill switch with 403 and a hint when RUNBRIDGE_API_TOKEN is unset", async () => {
      t = testApp({}, {}, store.db);
      const response = await t.app.request("/api/kill-switch", {
        method: "POST",
        body: JSON.stringify({ enabled: false }),
        headers: bearer("anything"),
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: string }).error).toContain(
        "set RUNBRIDGE_API_TOKEN on the bridge",
      );
      expect((await json(t.get("/api/status"))).enabled).toBe(true);
      expect(await store.count("audit_events")).toBe(0);
    });

    it.each([
      ["no token", {}],
      ["a wrong token", bearer("wrong")],
    ])("answers 401 to %s when a token is configured", async (_case, headers) => {
      t = testApp({ RUNBRIDGE_API_TOKEN: "op-token" }, {}, store.db);
      const response = await t.app.request("/api/kill-switch", {
        method: "POST",
        body: JSON.stringify({ enabled: false }),
        headers,
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="runbridge-api"');
      expect(await store.count("audit_events")).toBe(0);
    });

    it("switches automation off and on with the token, audited, and decisions follow", async () => {
      t = testApp({ RUNBRIDGE_API_TOKEN: "op-token" }, {}, store.db);
      const off = await t.app.request("/api/kill-switch", {
        method: "POST",
        body: JSON.stringify({ enabled: false, reason: "incident 42: hands off" }),
        headers: { ...bearer("op-token"), "content-type": "application/json" },
      });
      expect(off.status).toBe(200);
      expect(await off.json()).toEqual({ enabled: false });
      const decided = await json(t.post(webhook([firingAlert({ instance: "web-1" })])));
      expect(decided.executions).toMatchObject([
        { state: "suppressed", reason: expect.stringMatching(/^kill switch/) },
      ]);
      const audit = await json(t.get("/api/audit?kind=kill_switch", bearer("op-token")));
      expect((audit.events as Json[]).map((e) => e.message)).toEqual([
        "automation switched off through the API: incident 42: hands off",
      ]);

      const on = await t.app.request("/api/kill-switch", {
        method: "POST",
        body: JSON.stringify({ enabled: true }),
        headers: { ...bearer("op-token"), "content-type": "application/json" },
      });
      expect(on.status).toBe(200);
      expect((await json(t.get("/api/status", bearer("op-token")))).enabled).toBe(true);
    });

    it("answers 400 to a kill switch body without a boolean", async () => {
      t = testApp({ RUNBRIDGE_API_TOKEN: "op-token" }, {}, store.db);
      const response = await t.app.request("/api/kill-switch", {
        method: "POST",
        body: JSON.stringify({ enabled: "no" }),
        headers: { ...bearer("op-token"), "content-type": "application/json" },
      });
      expect(response.status).toBe(400);
    });

    it("resets an open breaker with the token, and answers 404 when none is open", async () => {
      t = testApp({ RUNBRIDGE_API_TOKEN: "op-token" }, {}, store.db);
      await openStormBreaker(t.store, "storm", 15 * MINUTE, T0);
      const forbidden = await t.app.request("/api/breakers/global/reset", { method: "POST" });
      expect(forbidden.status).toBe(401);
      const reset = await t.app.request("/api/breakers/global/reset", {
        method: "POST",
        headers: bearer("op-token"),
      });
      expect(reset.status).toBe(200);
      expect(await reset.json()).toEqual({ key: "global", state: "closed" });
      expect(await store.count("audit_events", "kind = 'breaker.reset'")).toBe(1);
      const again = await t.app.request("/api/breakers/global/reset", {
        method: "POST",
        headers: bearer("op-token"),
      });
      expect(again.status).toBe(404);
    });

    it("refuses a breaker reset with 403 when RUNBRIDGE_API_TOKEN is unset", async () => {
      t = testApp({}, {}, store.db);
      await openStormBreaker(t.store, "storm", 15 * MINUTE, T0);
      expect((await t.app.request("/api/breakers/global/reset", { method: "POST" })).status).toBe(403);
      expect(await store.count("breakers", "state = 'open'")).toBe(1);
    });
  });

  describe("read access", () => {
    it.each(["/api/executions", "/api/executions/ex_1", "/api/audit", "/api/status"])(
      "%s is open without RUNBRIDGE_API_TOKEN and needs it once set",
      async (path) => {
        t = testApp({}, {}, store.db);
        expect((await t.get(path)).status).not.toBe(401);
        t.close();
        t = testApp({ RUNBRIDGE_API_TOKEN: "op-token" }, {}, store.db);
        expect((await t.get(path)).status).toBe(401);
        expect((await t.get(path, bearer("nope"))).status).toBe(401);
        expect((await t.get(path, bearer("op-token"))).status).not.toBe(401);
      },
    );
  });
});
