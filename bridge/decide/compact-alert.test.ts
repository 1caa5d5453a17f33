import { describe, expect, it } from "vitest";
import {
  boundedMap,
  MAX_ENTRIES,
  MAX_MAP_CHARS,
  MAX_NAME_CHARS,
  MAX_VALUE_CHARS,
  TRUNCATED_KEY,
} from "./compact-alert.js";

/** `count` entries named l0, l1, … each with a value of `size` characters. */
const entries = (count: number, size = 1) =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`l${index}`, "v".repeat(size)]));

describe("boundedMap", () => {
  it("keeps a normal label set as it is, without a marker", () => {
    const labels = { alertname: "NginxDown", instance: "web-1", severity: "critical" };
    expect(boundedMap(labels)).toEqual(labels);
  });

  it("cuts a 1 MB value to its first characters and says how much was cut", () => {
    const kept = boundedMap({ alertname: "Big", huge: "x".repeat(1_048_576) });
    expect(kept.huge).toBe(`${"x".repeat(MAX_VALUE_CHARS)}…[truncated ${1_048_576 - MAX_VALUE_CHARS} chars]`);
    expect(kept[TRUNCATED_KEY]).toBeUndefined();
  });

  it("drops entries past the entry limit and counts them under the marker", () => {
    const kept = boundedMap(entries(MAX_ENTRIES + 6));
    expect(Object.keys(kept)).toHaveLength(MAX_ENTRIES + 1);
    expect(kept[TRUNCATED_KEY]).toMatch(/^6 of 70 entries dropped/);
  });

  it("keeps one map within its character budget however many long values it has", () => {
    const kept = boundedMap(entries(MAX_ENTRIES, 1_000_000));
    const { [TRUNCATED_KEY]: marker, ...rest } = kept;
    const chars = Object.entries(rest).reduce((sum, [name, value]) => sum + name.length + value.length, 0);
    expect(chars).toBeLessThanOrEqual(MAX_MAP_CHARS);
    expect(marker).toMatch(/entries dropped/);
    expect(JSON.stringify(kept).length).toBeLessThan(MAX_MAP_CHARS + 1_024);
  });

  it("drops a name too long to be a label a runbook matches on, instead of cutting it into a new name", () => {
    const kept = boundedMap({ alertname: "A", ["n".repeat(MAX_NAME_CHARS + 1)]: "v", short: "s" });
    expect(kept).toEqual({ alertname: "A", short: "s", [TRUNCATED_KEY]: expect.stringMatching(/^1 of 3/) });
  });

  it("keeps alertname whatever position it arrived in", () => {
    const kept = boundedMap({ ...entries(MAX_ENTRIES), alertname: "Late" });
    expect(kept.alertname).toBe("Late");
  });
});
