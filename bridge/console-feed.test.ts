import { describe, expect, it } from "vitest";
import { auditMessages, parseAuditMessage } from "./console-feed.js";
import { MAX_PAYLOAD_BYTES } from "./store/channels.js";

describe("the console feed's messages between bridges", () => {
  it("carry the origin and the ids, split to fit PostgreSQL's payload limit", () => {
    const ids = Array.from({ length: 3_000 }, (_, i) => 1_000_000 + i);
    const messages = auditMessages("abc123", ids);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) expect(message.length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const parsed = messages.map(parseAuditMessage);
    expect(parsed.every((message) => message?.origin === "abc123")).toBe(true);
    expect(parsed.flatMap((message) => message?.ids ?? [])).toEqual(ids);
  });

  it("ignore anything else on the channel", () => {
    expect(parseAuditMessage("hello")).toBeUndefined();
    expect(parseAuditMessage("abc:1,2;DROP")).toBeUndefined();
    expect(auditMessages("abc", [])).toEqual([]);
  });
});
