import { describe, expect, it } from "vitest";
import { checkStartsAt, compareStartsAt } from "./starts-at.js";

const canonical = (text: string) => {
  const check = checkStartsAt(text);
  if (!check.ok) throw new Error(`${text}: ${check.problem}`);
  return check.canonical;
};

describe("checkStartsAt", () => {
  it.each([
    [
      "a millisecond time, written as toISOString writes it",
      "2025-06-02T12:00:00.123Z",
      "2025-06-02T12:00:00.123Z",
    ],
    ["whole seconds, given milliseconds", "2025-06-02T12:00:00Z", "2025-06-02T12:00:00.000Z"],
    ["nanoseconds, kept", "2025-06-02T12:00:00.123456789Z", "2025-06-02T12:00:00.123456789Z"],
    ["trailing zeros, dropped", "2025-06-02T12:00:00.123400000Z", "2025-06-02T12:00:00.1234Z"],
    ["an offset, moved to UTC", "2025-06-02T14:00:00.5+02:00", "2025-06-02T12:00:00.500Z"],
    ["an offset across midnight and a year", "2025-01-01T00:30:00-01:00", "2025-01-01T01:30:00.000Z"],
    ["a negative offset back a year", "2025-01-01T00:30:00+01:00", "2024-12-31T23:30:00.000Z"],
    ["an offset without a colon", "2025-06-02T14:00:00+0200", "2025-06-02T12:00:00.000Z"],
    ["lower-case t and z", "2025-06-02t12:00:00z", "2025-06-02T12:00:00.000Z"],
    ["a leap second", "2016-12-31T23:59:60Z", "2016-12-31T23:59:60.000Z"],
    ["a leap second in another zone", "2017-01-01T00:59:60.25+01:00", "2016-12-31T23:59:60.250Z"],
    ["Go's zero time", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
    ["a two-digit year, not moved to the 1900s", "0099-03-01T00:00:00Z", "0099-03-01T00:00:00.000Z"],
    ["the last day of a leap year", "2024-02-29T08:00:00Z", "2024-02-29T08:00:00.000Z"],
  ])("keeps %s", (_case, text, expected) => {
    expect(canonical(text)).toBe(expected);
  });

  it("gives the instants that used to collapse to 1970 texts of their own", () => {
    const texts = [
      "0001-01-01T00:00:00Z",
      "2016-12-31T23:59:60Z",
      "2016-12-31T23:59:59.999Z",
      "1970-01-01T00:00:00Z",
    ];
    expect(new Set(texts.map(canonical)).size).toBe(texts.length);
  });

  it("gives the same text to one instant written by two peers in different zones and precisions", () => {
    expect(canonical("2025-06-02T12:00:00.1Z")).toBe(canonical("2025-06-02T14:00:00.100000+02:00"));
  });

  it.each([
    ["not a time", "yesterday", "is not an RFC 3339 time"],
    ["no zone", "2025-06-02T12:00:00", "is not an RFC 3339 time"],
    ["February 30", "2025-02-30T12:00:00Z", "is not a valid date and time"],
    ["February 29 of a common year", "2025-02-29T12:00:00Z", "is not a valid date and time"],
    ["hour 24", "2025-06-02T24:00:00Z", "is not a valid date and time"],
    ["an offset of 24 hours", "2025-06-02T12:00:00+24:00", "is not a valid date and time"],
    [
      "a leap second in the middle of the day",
      "2016-12-31T12:00:60Z",
      "leap second (:60) that is not at 23:59 UTC",
    ],
    ["more than nanoseconds", "2025-06-02T12:00:00.1234567891Z", "10 fractional digits; at most 9"],
    ["a time before year 0000 in UTC", "0000-01-01T00:00:00+01:00", "before the year 0000"],
  ])("refuses %s", (_case, text, problem) => {
    const check = checkStartsAt(text);
    expect(check.ok).toBe(false);
    expect(check.ok ? "" : check.problem).toContain(problem);
  });
});

describe("compareStartsAt", () => {
  it.each([
    ["2025-06-02T12:00:00.123Z", "2025-06-02T12:00:00.1234Z", -1],
    ["2025-06-02T12:00:00.1234Z", "2025-06-02T12:00:00.123Z", 1],
    ["2025-06-02T12:00:00.120Z", "2025-06-02T12:00:00.12Z", 0],
    ["2025-06-02T11:59:59.999999999Z", "2025-06-02T12:00:00.000Z", -1],
    ["2016-12-31T23:59:60.000Z", "2017-01-01T00:00:00.000Z", -1],
    ["9999-12-31T23:59:59.000Z", "10000-01-01T00:00:00.000Z", -1],
  ])("orders %s against %s as %i", (one, other, sign) => {
    expect(Math.sign(compareStartsAt(one, other))).toBe(sign);
  });
});
