import { describe, expect, it } from "vitest";
import { createSseParser, type SseEvent } from "./sse.js";

/** Feeds the chunks in order; returns the events and retry values the parser reported. */
function parse(...chunks: string[]): { events: SseEvent[]; retries: number[] } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = createSseParser({
    onEvent: (event) => events.push(event),
    onRetry: (ms) => retries.push(ms),
  });
  for (const chunk of chunks) parser.push(chunk);
  return { events, retries };
}

describe("createSseParser", () => {
  it("reads the frames the bridge sends: retry, an audit event with its id, ready", () => {
    const { events, retries } = parse(
      "retry: 3000\n\n",
      'id: 41\nevent: audit\ndata: {"id":41,"kind":"decision.pending"}\n\n',
      'event: ready\ndata: {"lastEventId":null,"replayed":1}\n\n',
    );
    expect(retries).toEqual([3000]);
    expect(events).toEqual([
      { type: "audit", data: '{"id":41,"kind":"decision.pending"}', lastEventId: "41" },
      { type: "ready", data: '{"lastEventId":null,"replayed":1}', lastEventId: "41" },
    ]);
  });

  it("assembles an event split across chunks anywhere, even inside a field name", () => {
    const whole = 'id: 7\nevent: audit\ndata: {"a":1}\n\n';
    for (let cut = 1; cut < whole.length; cut++) {
      expect(parse(whole.slice(0, cut), whole.slice(cut)).events, `cut at ${cut}`).toEqual([
        { type: "audit", data: '{"a":1}', lastEventId: "7" },
      ]);
    }
  });

  it("accepts CRLF, CR and LF line ends, also a CRLF split between two chunks", () => {
    expect(parse("data: a\r\n\r\ndata: b\r\rdata: c\n\n").events.map((e) => e.data)).toEqual(["a", "b", "c"]);
    expect(parse("data: a\r", "\ndata: b\r", "\n\r", "\n").events).toEqual([
      { type: "message", data: "a\nb", lastEventId: "" },
    ]);
  });

  it("joins data lines with newlines and drops only one space after the colon", () => {
    expect(parse("data:first\ndata:  second\ndata\n\n").events[0]?.data).toBe("first\n second\n");
  });

  it("ignores comments (heartbeats of other servers), unknown fields and events without data", () => {
    expect(parse(": keep-alive\n\nevent: audit\n\nfoo: bar\ndata: x\n\n").events).toEqual([
      { type: "message", data: "x", lastEventId: "" },
    ]);
  });

  it("keeps the last id across events, ignores an id containing NUL, and a retry that is not digits", () => {
    const { events, retries } = parse("id: 5\ndata: a\n\ndata: b\n\nid: 6\0\nretry: 1s\ndata: c\n\n");
    expect(events.map((e) => e.lastEventId)).toEqual(["5", "5", "5"]);
    expect(retries).toEqual([]);
  });

  it("strips a byte order mark at the start of the stream only", () => {
    expect(parse("\uFEFFdata: a\n\n", "\uFEFFdata: b\n\n").events.map((e) => e.data)).toEqual(["a"]);
  });

  it("holds an unfinished event until its blank line arrives", () => {
    expect(parse("data: a\n").events).toEqual([]);
  });
});
