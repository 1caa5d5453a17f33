import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { optionalInt, optionalSince } from "./query-params.js";

const NOW = Date.parse("2025-06-02T12:00:00Z");

describe("optionalSince", () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ["", undefined],
    ["30s", NOW - 30_000],
    ["15m", NOW - 900_000],
    ["2h", NOW - 7_200_000],
    ["1d", NOW - 86_400_000],
    ["1748865600000", 1748865600000],
    ["2025-06-02T11:00:00Z", Date.parse("2025-06-02T11:00:00Z")],
    ["2025-06-02T13:00:00+02:00", Date.parse("2025-06-02T11:00:00Z")],
  ])("reads %j", (value, expected) => {
    expect(optionalSince(value, NOW)).toBe(expected);
  });

  it.each(["yesterday", "15 minutes", "-5m", "1w"])("answers 400 naming since for %j", (value) => {
    expect(() => optionalSince(value, NOW)).toThrow(HTTPException);
    expect(() => optionalSince(value, NOW)).toThrow(/^since must be an ISO time/);
  });
});

describe("optionalInt", () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ["", undefined],
    ["1", 1],
    ["500", 500],
  ])("reads %j", (value, expected) => {
    expect(optionalInt(value, "limit", 1, 500)).toBe(expected);
  });

  it.each(["0", "501", "2.5", "ten", "1e2x"])("answers 400 naming the parameter for %j", (value) => {
    expect(() => optionalInt(value, "limit", 1, 500)).toThrow("limit must be a whole number from 1 to 500");
  });
});
