import { describe, expect, it } from "vitest";
import { isTimeZone } from "./semantics.js";

describe("isTimeZone", () => {
  it("accepts ICU's canonical names from its list, and the aliases ICU accepts when asked directly", () => {
    for (const zone of ["Europe/Berlin", "America/New_York", "Asia/Calcutta"])
      expect(isTimeZone(zone)).toBe(true);
    // Not in Intl.supportedValuesOf("timeZone"), still valid for a DateTimeFormat (and croner).
    for (const zone of ["UTC", "Etc/UTC", "US/Eastern", "Asia/Kolkata", "europe/berlin"]) {
      expect(Intl.supportedValuesOf("timeZone")).not.toContain(zone);
      expect(isTimeZone(zone)).toBe(true);
    }
  });

  it("rejects what no time zone is", () => {
    for (const zone of ["Europe/Berln", "", "Mars/Olympus_Mons", "+25:00"])
      expect(isTimeZone(zone)).toBe(false);
  });
});
