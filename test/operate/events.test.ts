// GET /api/events on a real bridge over loopback: filters, heartbeats, ids, and the replay a
// reconnecting client gets from the audit table with Last-Event-ID.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../harness/ports.js";
import { openSse } from "./sse-client.js";
import { fireAlert, type OperatedBridge, runbookYaml, startOperatedBridge } from "./start-operated-bridge.js";

describe("GET /api/events", () => {
  let bridge: OperatedBridge;

  beforeAll(async () => {
    bridge = await startOperatedBridge({
      runbooks: {
        "web-down.yml": runbookYaml("web-down", "WebDown"),
        "replay.yml": runbookYaml("replay", "Replay"),
        "backlog.yml": runbookYaml("backlog", "Backlog"),
      },
      heartbeatMs: 150,
    });
  });
  afterAll(() => bridge?.close());

  it("streams audit events live, each with its audit id", async () => {
    const stream = await openSse(`${bridge.url}/api/events`);
    try {
      expect(stream.status).toBe(200);
      await stream.waitFor((frames) => frames.some((f) => f.event === "ready"), "ready");
      expect(stream.frames[0]?.retry).toBe(3000);
      await fireAlert(bridge.url, { alertname: "WebDown", instance: "web-live" });
      await stream.waitFor((frames) => frames.some((f) => f.event === "audit"), "an audit event");
      const [event] = stream.audit();
      expect(event).toMatchObject({ kind: "decision.dry_run", alertname: "WebDown" });
      const frame = stream.frames.find((f) => f.event === "audit");
      expect(frame?.id).toBe(String(event?.id));
    } finally {
      stream.close();
    }
  });

  it("sends heartbeats without ids, so the reconnect point is kept", async () => {
    const stream = await openSse(`${bridge.url}/api/events`);
    try {
      await stream.waitFor(
        (frames) => frames.filter((f) => f.event === "heartbeat").length >= 2,
        "two heartbeats",
      );
      const heartbeat = stream.frames.find((f) => f.event === "heartbeat");
      expect(heartbeat?.id).toBeUndefined();
      expect(JSON.parse(heartbeat?.data ?? "{}").at).toMatch(/^\d{4}-/);
    } finally {
      stream.close();
    }
  });

  it("filters by kind (exact or prefix) and alertname", async () => {
    const stream = await openSse(`${bridge.url}/api/events?kind=decision.*,kill_switch&alertname=WebDown`);
    try {
      await stream.waitFor((frames) => frames.some((f) => f.event === "ready"), "ready");
      await fireAlert(bridge.url, { alertname: "OtherAlert", instance: "x" });
      await fireAlert(bridge.url, { alertname: "WebDown", instance: "web-filter" });
      await fireAlert(bridge.url, { alertname: "WebDown", instance: "web-filter" }, { status: "resolved" });
      await stream.waitFor((frames) => frames.some((f) => f.event === "audit"), "the WebDown decision");
      // The resolved event (alert.resolved) is published after the decision; give it time to (not) arrive.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(stream.audit().map((event) => [event.kind, event.alertname])).toEqual([
        ["decision.dry_run", "WebDown"],
      ]);
    } finally {
      stream.close();
    }
  });

  it("replays what a client missed when it reconnects with Last-Event-ID", async () => {
    const first = await openSse(`${bridge.url}/api/events?alertname=Replay`);
    await first.waitFor((frames) => frames.some((f) => f.event === "ready"), "ready");
    await fireAlert(bridge.url, { alertname: "Replay", instance: "r-1" });
    await first.waitFor((frames) => frames.some((f) => f.event === "audit"), "the first event");
    const lastId = first.audit().at(-1)?.id;
    first.close();

    // Missed while disconnected:
    await fireAlert(bridge.url, { alertname: "Replay", instance: "r-2" });
    await fireAlert(bridge.url, { alertname: "Replay", instance: "r-3" });

    const second = await openSse(`${bridge.url}/api/events?alertname=Replay`, {
      "last-event-id": String(lastId),
    });
    try {
      await second.waitFor((frames) => frames.filter((f) => f.event === "audit").length >= 2, "the replay");
      const ready = second.frames.find((f) => f.event === "ready");
      expect(JSON.parse(ready?.data ?? "{}")).toEqual({ lastEventId: lastId, replayed: 2 });
      expect(second.audit().map((event) => event.target)).toEqual(["r-2", "r-3"]);
      // … and then continues live, without repeating anything.
      await fireAlert(bridge.url, { alertname: "Replay", instance: "r-4" });
      await second.waitFor(
        (frames) => frames.filter((f) => f.event === "audit").length >= 3,
        "the live event",
      );
      const ids = second.audit().map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    } finally {
      second.close();
    }
  });

  it("sends the last n matching events first when asked for a backlog", async () => {
    await fireAlert(bridge.url, { alertname: "Backlog", instance: "b-1" });
    await fireAlert(bridge.url, { alertname: "Backlog", instance: "b-2" });
    await fireAlert(bridge.url, { alertname: "Backlog", instance: "b-3" });
    const stream = await openSse(`${bridge.url}/api/events?alertname=Backlog&backlog=2`);
    try {
      await stream.waitFor((frames) => frames.filter((f) => f.event === "audit").length >= 2, "the backlog");
      expect(stream.audit().map((event) => event.target)).toEqual(["b-2", "b-3"]);
    } finally {
      stream.close();
    }
  });

  it("answers 400 naming a bad filter or Last-Event-ID", async () => {
    const badKind = await fetch(`${bridge.url}/api/events?kind=<script>`);
    expect(badKind.status).toBe(400);
    expect(((await badKind.json()) as { error: string }).error).toMatch(/kind/);
    const badId = await fetch(`${bridge.url}/api/events`, { headers: { "last-event-id": "abc" } });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { error: string }).error).toMatch(/Last-Event-ID/);
  });

  it("forgets clients that disconnect", async () => {
    const stream = await openSse(`${bridge.url}/api/events`);
    await stream.waitFor((frames) => frames.some((f) => f.event === "ready"), "ready");
    expect(bridge.events.clients()).toBeGreaterThanOrEqual(1);
    stream.close();
    await waitUntil(() => bridge.events.clients() === 0, { what: "the server to notice the disconnect" });
  });
});

describe("GET /api/events with an API token", () => {
  it("needs the token for reads and ends every stream on shutdown", async () => {
    const bridge = await startOperatedBridge({
      runbooks: { "web-down.yml": runbookYaml("web-down", "WebDown") },
      env: { RUNBRIDGE_API_TOKEN: "console-secret" },
    });
    try {
      const refused = await fetch(`${bridge.url}/api/events`);
      expect(refused.status).toBe(401);
      const stream = await openSse(`${bridge.url}/api/events`, { authorization: "Bearer console-secret" });
      await stream.waitFor((frames) => frames.some((f) => f.event === "ready"), "ready");
      // close() ends open streams first, so the server can stop without waiting for clients.
      await bridge.close();
      await stream.ended;
    } finally {
      await bridge.close();
    }
  });
});
