// A database that runs out of space mid-storm (SQLite's own SQLITE_FULL, from a page limit
// on the bridge's connection): every refused delivery is a 503 Alertmanager retries, /readyz
// says why, the metric counts it, the process lives on, and once space returns the bridge
// resumes by itself — with every alert it answered 200 for recorded.
import { afterEach, describe, expect, it } from "vitest";
import { requireSqlite } from "../../bridge/store/engine.js";
import {
  type OperatedBridge,
  runbookYaml,
  startOperatedBridge,
  webhookFor,
} from "./start-operated-bridge.js";

let bridge: OperatedBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

async function post(url: string, instance: string): Promise<Response> {
  return fetch(`${url}/webhook/alertmanager`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: webhookFor({ alertname: "WebDown", severity: "critical", instance }),
  });
}

describe("a full disk", () => {
  it("answers 503 with Retry-After, turns /readyz 503 with the reason, counts it, and recovers by itself", async () => {
    bridge = await startOperatedBridge({ runbooks: { "web-down.yml": runbookYaml("web-down", "WebDown") } });
    const { url, db } = bridge;
    const pages = requireSqlite(db, "the full-disk test").pragma("page_count", { simple: true }) as number;
    requireSqlite(db, "the full-disk test").pragma(`max_page_count = ${pages + 4}`);

    const accepted: string[] = [];
    let refused: { instance: string; answer: Response } | undefined;
    for (let n = 0; n < 2_000 && !refused; n++) {
      const instance = `web-${n}-${"x".repeat(200)}`;
      const answer = await post(url, instance);
      if (answer.status === 200) accepted.push(instance);
      else refused = { instance, answer };
    }
    if (!refused) throw new Error("the page limit never filled the database");
    expect(refused.answer.status).toBe(503);
    expect(refused.answer.headers.get("retry-after")).toBe("5");
    expect(((await refused.answer.json()) as { error: string }).error).toContain("SQLITE_FULL");

    const notReady = await fetch(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { problems: string[] }).problems.join("; ")).toMatch(
      /database cannot take writes: SQLITE_FULL .* free disk space/,
    );
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/runbridge_storage_errors_total\{code="SQLITE_FULL"\} [1-9]/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // Space returns: nothing is restarted, the next readiness check and the retried delivery succeed.
    requireSqlite(db, "the full-disk test").pragma("max_page_count = 1073741823");
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await post(url, refused.instance)).status).toBe(200);
    accepted.push(refused.instance);

    // Nothing acknowledged was lost: each accepted alert has its execution.
    const recorded = requireSqlite(db, "the full-disk test")
      .prepare("SELECT target FROM executions")
      .all() as { target: string }[];
    expect(new Set(recorded.map((row) => row.target))).toEqual(new Set(accepted));
  });
});
