import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { firingAlert, fixture, webhook } from "../../test/fixtures/alertmanager/index.js";
import { T0, type TestApp, testApp } from "../../test/fixtures/http/test-app.js";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import type { Table } from "../../test/fixtures/store/temp-database.js";
import * as schema from "../store/schema.js";
import { alertmanagerRoutes } from "./alertmanager.js";

let t: TestApp;
afterEach(() => t?.close());

/** A rejected request must leave no trace: no alert, no execution, no audit event, no outbox row. */
async function expectNothingWritten(count: (table: Table) => number | Promise<number>): Promise<void> {
  for (const table of ["alerts", "executions", "audit_events", "outbox"] as const) {
    expect(await count(table), table).toBe(0);
  }
}

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString("base64")}`;

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const store = useEngineStore(engine, "alertmanager");

  describe("POST /webhook/alertmanager", () => {
    describe("with a bearer token", () => {
      it.each<[string, Record<string, string>, string]>([
        ["missing credentials", {}, "missing credentials"],
        ["a wrong token", { authorization: "Bearer nope" }, "wrong credentials"],
        ["a token one character short", { authorization: "Bearer s3cre" }, "wrong credentials"],
        ["basic auth instead of a bearer token", { authorization: basic("s3cret:x") }, "wrong credentials"],
        ["the scheme without a token", { authorization: "Bearer" }, "wrong credentials"],
      ])("answers 401 to %s and writes nothing", async (_case, headers, error) => {
        t = testApp({ RUNBRIDGE_ALERTMANAGER_TOKEN: "s3cret" }, {}, store.db);
        const response = await t.post(fixture("firing"), headers);
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toBe('Bearer realm="runbridge"');
        const body = (await response.json()) as { error: string };
        expect(body.error).toMatch(
          new RegExp(`^${error}: send Authorization: Bearer <RUNBRIDGE_ALERTMANAGER_TOKEN>`),
        );
        await expectNothingWritten(store.count);
      });

      it("accepts the right token (the scheme in any case)", async () => {
        t = testApp({ RUNBRIDGE_ALERTMANAGER_TOKEN: "s3cret" }, {}, store.db);
        expect((await t.post(fixture("firing"), { authorization: "Bearer s3cret" })).status).toBe(200);
        expect((await t.post(fixture("grouped"), { authorization: "bearer s3cret" })).status).toBe(200);
      });
    });

    describe("with basic auth (user:password)", () => {
      it("accepts Alertmanager's basic_auth", async () => {
        t = testApp({ RUNBRIDGE_ALERTMANAGER_TOKEN: "alertmanager:pa55" }, {}, store.db);
        expect((await t.post(fixture("firing"), { authorization: basic("alertmanager:pa55") })).status).toBe(
          200,
        );
      });

      it.each([
        ["a wrong password", { authorization: basic("alertmanager:wrong") }],
        ["the secret as a bearer token", { authorization: "Bearer alertmanager:pa55" }],
        ["nothing", {}],
      ])("answers 401 to %s and writes nothing", async (_case, headers) => {
        t = testApp({ RUNBRIDGE_ALERTMANAGER_TOKEN: "alertmanager:pa55" }, {}, store.db);
        const response = await t.post(fixture("firing"), headers);
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toBe('Basic realm="runbridge"');
        await expectNothingWritten(store.count);
      });
    });

    describe("bad input", () => {
      it("answers 413 to a body over the limit and writes nothing", async () => {
        t = testApp({ RUNBRIDGE_BODY_LIMIT: "2048" }, {}, store.db);
        const body = webhook([
          firingAlert({ instance: "web-1" }, { annotations: { description: "x".repeat(4_000) } }),
        ]);
        const response = await t.post(body);
        expect(response.status).toBe(413);
        expect(await response.json()).toEqual({
          error: "body larger than 2048 bytes (RUNBRIDGE_BODY_LIMIT)",
        });
        await expectNothingWritten(store.count);
      });

      it("answers 413 to an oversized body sent without a content-length (chunked)", async () => {
        t = testApp({ RUNBRIDGE_BODY_LIMIT: "2048" }, {}, store.db);
        const text = JSON.stringify(webhook([firingAlert({}, { annotations: { d: "x".repeat(4_000) } })]));
        const stream = new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(text));
            controller.close();
          },
        });
        const response = await t.app.request("/webhook/alertmanager", {
          method: "POST",
          headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
          body: stream,
          duplex: "half",
        } as RequestInit);
        expect(response.status).toBe(413);
        await expectNothingWritten(store.count);
      });

      it.each([
        ["not JSON", "alertname=NginxDown"],
        ["truncated JSON", '{"version":"4","alerts":['],
        ["an empty body", ""],
      ])("answers 400 to %s and writes nothing", async (_case, body) => {
        t = testApp({}, {}, store.db);
        const response = await t.post(body);
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({
          error: "body is not JSON: expected an Alertmanager webhook (version 4)",
        });
        await expectNothingWritten(store.count);
      });

      it.each<[string, unknown, string]>([
        ["version 3", { ...fixture("firing"), version: "3" }, "not an Alertmanager webhook: version must be"],
        [
          "no alerts",
          { version: "4", status: "firing" },
          'not an Alertmanager webhook: (body) missing "alerts"',
        ],
        [
          "an alert without alertname",
          webhook([{ ...firingAlert({}), labels: { instance: "web-1" } }]),
          'not an Alertmanager webhook: alerts.0.labels missing "alertname"',
        ],
      ])(
        "answers 400 to JSON that is not a v4 webhook (%s), naming the field",
        async (_case, body, error) => {
          t = testApp({}, {}, store.db);
          const response = await t.post(body);
          expect(response.status).toBe(400);
          expect(((await response.json()) as { error: string }).error.startsWith(error)).toBe(true);
          await expectNothingWritten(store.count);
        },
      );

      it("rejects a whole delivery when one of its alerts is invalid", async () => {
        t = testApp({}, {}, store.db);
        const body = webhook([
          firingAlert({ instance: "web-1" }),
          firingAlert({}, { startsAt: "not a time" }),
        ]);
        expect((await t.post(body)).status).toBe(400);
        await expectNothingWritten(store.count);
      });
    });

    describe("an accepted delivery", () => {
      it("answers 200 after the commit with one entry per alert: id, runbook, state, reason", async () => {
        t = testApp({}, {}, store.db);
        const response = await t.post(
          webhook([
            firingAlert({ instance: "web-1:9113" }),
            firingAlert({ alertname: "Unrouted" }),
            firingAlert({ alertname: "DiskFull", instance: "fs-1" }),
          ]),
        );
        expect(response.status).toBe(200);
        const body = (await response.json()) as { executions: Record<string, unknown>[] };
        expect(Object.keys(body)).toEqual(["executions"]);
        expect(body.executions.map((e) => Object.keys(e).sort())).toEqual([
          ["id", "reason", "runbook", "state"],
          ["id", "reason", "runbook", "state"],
          ["id", "reason", "runbook", "state"],
        ]);
        expect(body.executions).toMatchObject([
          { runbook: "web-restart", state: "pending" },
          { runbook: null, state: "suppressed" },
          { runbook: "disk-cleanup", state: "pending" },
        ]);
        expect(await store.count("executions")).toBe(3);
        expect(await store.count("outbox")).toBe(2);
      });

      it("answers a repeated delivery with duplicate and the first execution's id", async () => {
        t = testApp({}, {}, store.db);
        const first = (await (await t.post(fixture("firing"))).json()) as { executions: { id: string }[] };
        t.clock.now = T0 + 30_000;
        const again = (await (await t.post(fixture("firing"))).json()) as { executions: unknown[] };
        expect(again.executions).toMatchObject([{ id: first.executions[0]?.id, state: "duplicate" }]);
        expect(await store.count("executions")).toBe(1);
      });

      it("publishes the committed audit events and wakes the outbox worker", async () => {
        t = testApp({}, {}, store.db);
        const seen: string[] = [];
        t.deps.bus.subscribe((event) => seen.push(event.kind));
        let woken = 0;
        const app = alertmanagerRoutes({ ...t.deps, worker: { wake: () => woken++ } });
        const response = await app.request("/webhook/alertmanager", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(fixture("firing")),
        });
        expect(response.status).toBe(200);
        expect(seen).toEqual(["decision.pending"]);
        expect(woken).toBe(1);
      });
    });

    describe("when the bridge cannot record", () => {
      it("answers 503 with Retry-After when the database handle is closed", async () => {
        t = testApp({}, {}, store.db);
        await store.disconnect();
        const response = await t.post(fixture("firing"));
        expect(response.status).toBe(503);
        expect(response.headers.get("retry-after")).toBe("5");
      });

      it("answers 503 with Retry-After before any runbook set is loaded, and writes nothing", async () => {
        t = testApp({}, {}, store.db);
        t.runbooks.set = undefined;
        const response = await t.post(fixture("firing"));
        expect(response.status).toBe(503);
        expect(response.headers.get("retry-after")).toBe("10");
        await expectNothingWritten(store.count);
      });
    });
  });
});

// A read-only better-sqlite3 handle on the bridge's file: a fault only SQLite's file can have.
describe("POST /webhook/alertmanager on sqlite, when the database file is read-only", () => {
  it("answers 503 with Retry-After when the database cannot be written, so Alertmanager retries", async () => {
    t = testApp();
    const readOnly = new Database(t.db.file, { readonly: true });
    try {
      const app = alertmanagerRoutes({ ...t.deps, db: drizzle(readOnly, { schema }) });
      const response = await app.request("/webhook/alertmanager", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(fixture("firing")),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.json()).toEqual({
        error: "cannot record the alerts right now (database unavailable); retry",
      });
    } finally {
      readOnly.close();
    }
    await expectNothingWritten((table) => t.db.count(table));
    // The same delivery, retried once the database takes writes, is recorded.
    expect((await t.post(fixture("firing"))).status).toBe(200);
  });
});
