import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { type TestApp, testApp } from "../../test/fixtures/http/test-app.js";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import * as schema from "../store/schema.js";
import { healthRoutes } from "./health.js";

let t: TestApp;
afterEach(() => t?.close());

describe("GET /healthz", () => {
  it("answers 200 while the process runs, even before runbooks load", async () => {
    t = testApp();
    t.runbooks.set = undefined;
    const response = await t.get("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const store = useEngineStore(engine, "health");

  describe("GET /readyz", () => {
    it("answers 200 with the runbook count and source hash when it can do its job", async () => {
      t = testApp({}, {}, store.db);
      const response = await t.get("/readyz");
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        status: "ready",
        runbooks: 6,
        sourceHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });

    it("answers 503 with the reason and the rejected set's problems when no runbook set is loaded", async () => {
      t = testApp({}, {}, store.db);
      t.runbooks.set = undefined;
      t.runbooks.problems = ["runbooks/a.yml:3:1 name: must match pattern"];
      const response = await t.get("/readyz");
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        status: "not ready",
        problems: ["no valid runbook set loaded: runbooks/a.yml:3:1 name: must match pattern"],
      });
    });

    it("answers 503 when the database handle is closed", async () => {
      t = testApp({}, {}, store.db);
      await store.disconnect();
      const response = await t.get("/readyz");
      expect(response.status).toBe(503);
      const body = (await response.json()) as { problems: string[] };
      expect(body.problems).toEqual([expect.stringMatching(/^database not writable: /)]);
    });
  });
});

// A second better-sqlite3 handle on the bridge's file (read-only, or holding SQLite's one write lock): SQLite's own faults.
describe("GET /readyz on sqlite", () => {
  it("answers 503 when the database is read-only", async () => {
    t = testApp();
    const readOnly = new Database(t.db.file, { readonly: true });
    try {
      const app = healthRoutes({ ...t.deps, db: drizzle(readOnly, { schema }) });
      const response = await app.request("/readyz");
      expect(response.status).toBe(503);
      const body = (await response.json()) as { problems: string[] };
      expect(body.problems).toEqual([expect.stringMatching(/^database not writable: .*readonly/)]);
    } finally {
      readOnly.close();
    }
  });

  it("answers 503 while another connection holds the write lock", async () => {
    t = testApp();
    const other = new Database(t.db.file);
    other.pragma("busy_timeout = 0");
    t.db.sqlite.pragma("busy_timeout = 50");
    other.exec("BEGIN IMMEDIATE");
    try {
      const response = await t.get("/readyz");
      expect(response.status).toBe(503);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect((await t.get("/readyz")).status).toBe(200);
  });
});
