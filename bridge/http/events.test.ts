import { HTTPException } from "hono/http-exception";
import { afterEach, describe, expect, it } from "vitest";
import { T0, type TestApp, testApp } from "../../test/fixtures/http/test-app.js";
import { type AuditEvent, appendAudit } from "../store/audit.js";
import { createEventStream, type EventStream, eventMatches, parseEventFilter } from "./events.js";

function event(kind: string, alertname: string | null = "NginxDown"): AuditEvent {
  return {
    id: 1,
    at: 0,
    kind,
    alertname,
    executionId: null,
    runbook: null,
    target: null,
    message: "",
    data: null,
  };
}

describe("event filters", () => {
  it.each([
    [undefined, undefined, "decision.pending", "NginxDown", true],
    ["decision.*", undefined, "decision.suppressed", "NginxDown", true],
    ["decision.*", undefined, "dispatch.failed", "NginxDown", false],
    ["dispatch.failed,kill_switch", undefined, "kill_switch", null, true],
    ["dispatch.failed", undefined, "dispatch.failed_later", "NginxDown", false],
    [undefined, "NginxDown,DbDown", "duplicate", "DbDown", true],
    [undefined, "NginxDown", "kill_switch", null, false],
    ["decision.*", "NginxDown", "decision.pending", "DbDown", false],
  ])("kind=%s alertname=%s lets %s of %s through: %s", (kind, alertname, eventKind, eventAlert, expected) => {
    expect(eventMatches(parseEventFilter(kind, alertname), event(eventKind, eventAlert))).toBe(expected);
  });

  it("refuses a kind that is not a kind name, naming it", () => {
    expect(() => parseEventFilter("decision.*,<script>", undefined)).toThrow(HTTPException);
    expect(() => parseEventFilter("a*b", undefined)).toThrow(/"a\*b" is not a kind/);
  });
});

/** Reads an SSE response in-process: frames as they come, and whether the server ended it. */
function reader(response: Response) {
  const frames: { event: string; id?: string; data: string }[] = [];
  let ended = false;
  const body = response.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const done = (async () => {
    for (;;) {
      const next = await body?.read();
      if (!next || next.done) break;
      buffer += decoder.decode(next.value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const frame: { event: string; id?: string; data: string } = { event: "message", data: "" };
        for (const line of buffer.slice(0, end).split("\n")) {
          const [field, ...rest] = line.split(": ");
          if (field === "event") frame.event = rest.join(": ");
          if (field === "id") frame.id = rest.join(": ");
          if (field === "data") frame.data = rest.join(": ");
        }
        frames.push(frame);
        buffer = buffer.slice(end + 2);
      }
    }
    ended = true;
  })();
  return {
    frames,
    audit: () => frames.filter((frame) => frame.event === "audit"),
    ended: () => ended,
    done,
    cancel: () => body?.cancel(),
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("the live stream", () => {
  let t: TestApp;
  let stream: EventStream | undefined;
  afterEach(() => {
    stream?.close();
    stream = undefined;
    t.close();
  });

  const record = (message: string): Promise<AuditEvent> =>
    appendAudit(t.db.db, { at: T0, kind: "kill_switch", message });

  it("resets a client whose Last-Event-ID is newer than any event to 'from now', and keeps streaming to it", async () => {
    t = testApp();
    stream = createEventStream(t.deps);
    const newest = (await record("before the restore")).id;
    const response = await stream.routes.request("/api/events", { headers: { "last-event-id": "4711" } });
    const client = reader(response);
    await until(() => client.frames.some((frame) => frame.event === "ready"), "ready");
    const reset = client.frames.find((frame) => frame.event === "reset");
    expect(reset?.id).toBe(String(newest));
    expect(JSON.parse(reset?.data ?? "{}")).toEqual({
      reason: expect.stringMatching(/^Last-Event-ID 4711 is newer than the newest event \(\d+\)/),
      lastEventId: newest,
    });
    const live = await record("after the reset");
    t.deps.bus.publish([live]);
    await until(() => client.audit().length === 1, "the live event");
    expect(client.audit()[0]?.id).toBe(String(live.id));
    await client.cancel();
  });

  it("delivers a 1,500-event burst to every reader, serializing each event once, and drops none", async () => {
    t = testApp();
    const events = createEventStream(t.deps);
    stream = events;
    const clients = await Promise.all(
      Array.from({ length: 20 }, async () => reader(await events.routes.request("/api/events"))),
    );
    for (const client of clients) await until(() => client.frames.some((f) => f.event === "ready"), "ready");
    let serialized = 0;
    const burst = Array.from({ length: 1_500 }, (_, index) => {
      const event: AuditEvent = {
        id: 1_000 + index,
        at: T0,
        kind: "decision.pending",
        alertname: "NginxDown",
        executionId: null,
        runbook: "nginx-down",
        target: `web-${index}`,
        message: "x".repeat(300),
        data: null,
      };
      // JSON.stringify calls toJSON once per serialization.
      return Object.assign(event, {
        toJSON() {
          serialized += 1;
          const { toJSON: _, ...plain } = this as AuditEvent & { toJSON: unknown };
          return plain;
        },
      });
    });
    t.deps.bus.publish(burst);
    for (const client of clients) await until(() => client.audit().length === 1_500, "the whole burst");
    expect(serialized).toBe(1_500);
    expect(stream.clients()).toBe(20);
    expect(clients.every((client) => !client.ended())).toBe(true);
    await Promise.all(clients.map((client) => client.cancel()));
  });

  it("disconnects a reader that lets more than maxQueuedBytes pile up, and keeps serving the others", async () => {
    t = testApp();
    stream = createEventStream(t.deps, { maxQueuedBytes: 64 * 1_024 });
    const stalled = await stream.routes.request("/api/events"); // never read
    const reading = reader(await stream.routes.request("/api/events"));
    await until(() => reading.frames.some((f) => f.event === "ready"), "ready");
    for (let batch = 0; batch < 5; batch += 1) {
      t.deps.bus.publish([await record("y".repeat(20_000))]);
      await until(() => reading.audit().length === batch + 1, `event ${batch + 1}`);
    }
    // 5 × ~20 KB queued unread on the stalled stream: past 64 KB it was closed.
    expect(stream.clients()).toBe(1);
    const rest = reader(stalled);
    await rest.done;
    expect(rest.ended()).toBe(true);
    expect(reading.ended()).toBe(false);
    await reading.cancel();
  });
});
