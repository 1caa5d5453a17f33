import { describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../test/fixtures/store/engine-store.js";
import type { ResolvedNotification } from "../runbooks/resolved-runbook.js";
import type { AuditEvent } from "../store/audit.js";
import { closeLapsedBreakers, openStormBreaker, resetBreaker } from "./breaker-changes.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
const MINUTE = 60_000;
const CHANNELS: ResolvedNotification[] = [
  { when: "always", slack: { webhookSecret: "HOOK" } },
  // A breaker opening reaches every channel, whatever its severities.
  { when: "always", issue: { labels: ["breaker"], assignees: [], severities: [] } },
  { when: "success", pagerduty: { routingKeySecret: "PD", severities: ["critical"] } },
];

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const db = useEngineStore(engine, "breaker_escalation");

  // PostgreSQL folds unquoted aliases to lower case, so the columns keep their own names here.
  const rows = () =>
    db.rows<{ dedup_key: string; topic: string; breaker_key: string; request: string }>(
      "select dedup_key, topic, breaker_key, request from notifications order by id",
    );

  describe("escalating a breaker", () => {
    it("a storm opening queues the tripping runbook's channels once; the reset closes where it went", async () => {
      const written: AuditEvent[] = [];
      await openStormBreaker(db.db, "storm limit: 30 dispatches", 15 * MINUTE, T0, {
        channels: CHANNELS,
        written,
      });
      expect(written.map((event) => [event.kind, event.data?.channel])).toEqual([
        ["notification.queued", "slack"],
        ["notification.queued", "issue"],
      ]);
      expect((await rows()).map((row) => [row.dedup_key, row.topic, row.breaker_key])).toEqual([
        [`breaker:global@${T0}:opened/slack#0`, "breaker.opened", "global"],
        [`breaker:global@${T0}:opened/issue#1`, "breaker.opened", "global"],
      ]);
      expect(JSON.parse((await rows())[1]?.request ?? "{}")).toMatchObject({
        action: "open",
        title: "Circuit breaker open: global",
        body: expect.stringContaining("POST /api/breakers/global/reset"),
      });

      const events = (await resetBreaker(db.db, "global", "reset by an operator", T0 + MINUTE)) ?? [];
      expect(events.map((event) => [event.kind, event.data?.topic ?? null])).toEqual([
        ["breaker.reset", null],
        ["notification.queued", "breaker.closed"],
        ["notification.queued", "breaker.closed"],
      ]);
      expect(JSON.parse((await rows())[3]?.request ?? "{}")).toMatchObject({
        action: "close",
        body: "**circuit breaker `global` closed: automation resumes**\n\nWhy: reset by an operator",
      });
      // Closed already: a second reset changes nothing and tells nobody.
      expect(await resetBreaker(db.db, "global", "reset by an operator", T0 + 2 * MINUTE)).toBeUndefined();
      expect(await db.count("notifications")).toBe(4);
    });

    it("a storm breaker that closes by itself is announced once its open period ends, where its opening went", async () => {
      await openStormBreaker(db.db, "storm limit: 30 dispatches", 15 * MINUTE, T0, {
        channels: CHANNELS,
        written: [],
      });
      // Still open: nothing to announce.
      expect(await closeLapsedBreakers(db.db, T0 + 14 * MINUTE)).toEqual([]);
      const events = await closeLapsedBreakers(db.db, T0 + 15 * MINUTE);
      expect(events.map((event) => [event.kind, event.data?.topic ?? null])).toEqual([
        ["breaker.closed", null],
        ["notification.queued", "breaker.closed"],
        ["notification.queued", "breaker.closed"],
      ]);
      expect(events[0]?.message).toBe("breaker global closed by itself: its open period ended");
      expect(JSON.parse((await rows())[3]?.request ?? "{}")).toMatchObject({ action: "close" });
      // Once: the next pass finds it closed.
      expect(await closeLapsedBreakers(db.db, T0 + 16 * MINUTE)).toEqual([]);
      expect(await db.count("notifications")).toBe(4);
    });

    it("leaves a failure breaker that turned half-open alone: only a successful probe closes it", async () => {
      // `false` rather than 0: PostgreSQL's column is a boolean, and SQLite reads `false` as 0.
      await db.rows(
        `INSERT INTO breakers (key, scope, runbook, state, opened_at, half_open_at, reason, closes_automatically, updated_at)
       VALUES ('runbook:web', 'runbook', 'web', 'open', ?, ?, '2 failures', false, ?)`,
        T0,
        T0 + MINUTE,
        T0,
      );
      expect(await closeLapsedBreakers(db.db, T0 + 60 * MINUTE)).toEqual([]);
      expect(await db.count("breakers", "state = 'open'")).toBe(1);
    });
  });
});
