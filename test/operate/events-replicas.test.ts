// GET /api/events with two bridges on one PostgreSQL database: a console connected to either
// bridge streams the decisions of both (LISTEN/NOTIFY carries the ids, the audit table the
// events), each event once, while each bridge's metrics count only its own decisions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../harness/postgres.js";
import { openSse } from "./sse-client.js";
import { fireAlert, type OperatedBridge, runbookYaml, startOperatedBridge } from "./start-operated-bridge.js";

describe("GET /api/events on several bridges sharing PostgreSQL", () => {
  let database: TestDatabase;
  const bridges: OperatedBridge[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("events_replicas");
    for (let i = 0; i < 2; i += 1) {
      bridges.push(
        await startOperatedBridge({
          runbooks: { "web-down.yml": runbookYaml("web-down", "WebDown") },
          env: { RUNBRIDGE_DATABASE_URL: database.url },
          heartbeatMs: 5_000,
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    for (const bridge of bridges) await bridge.close();
    await database?.drop();
  });

  it("a console on one bridge sees the other bridge's decisions, each once", async () => {
    const [one, two] = bridges as [OperatedBridge, OperatedBridge];
    const onOne = await openSse(`${one.url}/api/events?alertname=WebDown`);
    const onTwo = await openSse(`${two.url}/api/events?alertname=WebDown`);
    try {
      await onOne.waitFor((frames) => frames.some((f) => f.event === "ready"), "ready on one");
      await onTwo.waitFor((frames) => frames.some((f) => f.event === "ready"), "ready on two");
      const instances = Array.from({ length: 10 }, (_, i) => `web-fleet-${i}`);
      await Promise.all(
        instances.map((instance, i) =>
          fireAlert((i % 2 === 0 ? one : two).url, { alertname: "WebDown", instance }),
        ),
      );
      for (const stream of [onOne, onTwo]) {
        await stream.waitFor(
          () => stream.audit().filter((event) => event.kind === "decision.dry_run").length >= 10,
          "ten decisions",
        );
      }
      // Give a duplicate time to show up before counting.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const stream of [onOne, onTwo]) {
        const ids = stream.audit().map((event) => event.id);
        expect(new Set(ids).size).toBe(ids.length);
        const targets: string[] = stream
          .audit()
          .filter((event) => event.kind === "decision.dry_run")
          .map((event) => String(event.target));
        expect(targets).toHaveLength(10);
        for (const instance of instances)
          expect(targets.some((target) => target.includes(instance))).toBe(true);
      }
    } finally {
      onOne.close();
      onTwo.close();
    }
  });

  it("a reconnect with Last-Event-ID to the other bridge replays what was missed", async () => {
    const [one, two] = bridges as [OperatedBridge, OperatedBridge];
    const first = await openSse(`${one.url}/api/events?alertname=WebDown`);
    await first.waitFor((frames) => frames.some((f) => f.event === "ready"), "ready");
    await fireAlert(one.url, { alertname: "WebDown", instance: "web-before" });
    await first.waitFor(() => first.audit().length >= 1, "the first event");
    const lastId = String(first.audit().at(-1)?.id);
    first.close();
    await fireAlert(one.url, { alertname: "WebDown", instance: "web-missed" });
    const second = await openSse(`${two.url}/api/events?alertname=WebDown`, { "last-event-id": lastId });
    try {
      await second.waitFor(
        () => second.audit().some((event) => event.target?.includes("web-missed")),
        "the missed event",
      );
      expect(second.audit().some((event) => event.target?.includes("web-before"))).toBe(false);
    } finally {
      second.close();
    }
  });
});
