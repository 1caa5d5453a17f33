import { describe, expect, it } from "vitest";
import { blackoutWindow, context, runbook } from "../../test/fixtures/guards/context.js";
import type { Blackout } from "../runbooks/runbook.types.js";
import { activeWindow, blackout } from "./blackout.js";

// Berlin switches to summer time on 2025-03-30 at 02:00 CET (01:00Z): the same local
// 01:30 start is 00:30Z before the change and 23:30Z the evening before after it.
const nightly: Blackout = { cron: "30 1 * * *", duration: "2h", timezone: "Europe/Berlin", reason: "backup" };
const at = (iso: string) => Date.parse(iso);

describe("activeWindow", () => {
  it.each<[string, Blackout, string, [string, string] | undefined]>([
    ["is outside before the window (winter time)", nightly, "2025-03-29T00:29:59.999Z", undefined],
    [
      "starts at 01:30 CET = 00:30Z (winter time), start included",
      nightly,
      "2025-03-29T00:30:00.000Z",
      ["2025-03-29T00:30:00.000Z", "2025-03-29T02:30:00.000Z"],
    ],
    [
      "is inside until the last millisecond",
      nightly,
      "2025-03-29T02:29:59.999Z",
      ["2025-03-29T00:30:00.000Z", "2025-03-29T02:30:00.000Z"],
    ],
    ["ends at start + duration, end excluded", nightly, "2025-03-29T02:30:00.000Z", undefined],
    [
      "on the night of the change, 01:30 still comes before the jump (00:30Z)",
      nightly,
      "2025-03-30T01:15:00.000Z",
      ["2025-03-30T00:30:00.000Z", "2025-03-30T02:30:00.000Z"],
    ],
    [
      "after the change, 01:30 CEST is 23:30Z the evening before",
      nightly,
      "2025-03-30T23:45:00.000Z",
      ["2025-03-30T23:30:00.000Z", "2025-03-31T01:30:00.000Z"],
    ],
    ["after the change, 02:00Z is already outside", nightly, "2025-03-31T01:30:00.000Z", undefined],
    [
      "falls back to UTC without a time zone",
      { cron: "0 2 * * 6", duration: "4h" },
      "2025-06-07T05:59:59.000Z",
      ["2025-06-07T02:00:00.000Z", "2025-06-07T06:00:00.000Z"],
    ],
    [
      "is outside on a day the cron does not name",
      { cron: "0 2 * * 6", duration: "4h" },
      "2025-06-08T03:00:00Z",
      undefined,
    ],
    [
      "overlapping windows (longer than the cron's period) still contain now",
      { cron: "0 * * * *", duration: "90m", timezone: "Europe/Berlin" },
      "2025-06-02T12:10:00.000Z",
      ["2025-06-02T11:00:00.000Z", "2025-06-02T12:30:00.000Z"],
    ],
  ])("%s", (_case, window, now, expected) => {
    const found = activeWindow(blackoutWindow(window), at(now));
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found).toEqual({ start: at(expected[0]), end: at(expected[1]) });
  });
});

describe("blackout", () => {
  it("allows a runbook without blackout windows", () => {
    expect(blackout(context())).toEqual({ allow: true });
  });

  it("allows outside every window", () => {
    const guarded = runbook({ guards: { blackout: [nightly] } });
    expect(blackout(context({ runbook: guarded, now: at("2025-06-02T12:00:00Z") }))).toEqual({ allow: true });
  });

  it("refuses inside a window, naming the cron, zone, length, reason and the window in UTC", () => {
    const guarded = runbook({ guards: { blackout: [nightly] } });
    expect(blackout(context({ runbook: guarded, now: at("2025-03-30T23:45:00Z") }))).toEqual({
      allow: false,
      guard: "blackout",
      reason:
        'blackout: nginx-down is in the window "30 1 * * *" Europe/Berlin for 2h (backup), 23:30:00Z–01:30:00Z',
    });
  });

  it("reports the window that contains now when there are several", () => {
    const weekly: Blackout = { cron: "0 2 * * 6", duration: "4h" };
    const guarded = runbook({ guards: { blackout: [nightly, weekly] } });
    expect(blackout(context({ runbook: guarded, now: at("2025-06-07T03:00:00Z") }))).toEqual({
      allow: false,
      guard: "blackout",
      reason: 'blackout: nginx-down is in the window "0 2 * * 6" UTC for 4h, 02:00:00Z–06:00:00Z',
    });
  });
});
