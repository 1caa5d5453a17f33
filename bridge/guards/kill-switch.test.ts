import { describe, expect, it } from "vitest";
import { context } from "../../test/fixtures/guards/context.js";
import { killSwitch } from "./kill-switch.js";

describe("killSwitch", () => {
  it.each([
    ["lets everything through while automation is on", true, { allow: true }],
    [
      "says no, and how to turn it back on, while automation is off",
      false,
      {
        allow: false,
        guard: "kill_switch",
        reason: "kill switch: automation is switched off (POST /api/kill-switch or RUNBRIDGE_ENABLED=false)",
      },
    ],
  ])("%s", (_case, enabled, verdict) => {
    expect(killSwitch(context({ state: { enabled } }))).toEqual(verdict);
  });
});
