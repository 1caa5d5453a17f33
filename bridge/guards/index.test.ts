import { describe, expect, it } from "vitest";
import { blackoutWindow, context, MINUTE, NOW, runbook } from "../../test/fixtures/guards/context.js";
import { evaluateGuards, GUARDS } from "./index.js";
import type { GuardContext, GuardName } from "./types.js";

/** Makes guard number `index` (and only that one) say no. */
const failing: Record<GuardName, (c: GuardContext) => void> = {
  kill_switch: (c) => {
    c.state.enabled = false;
  },
  blackout: (c) => {
    c.runbook.guards = {
      ...c.runbook.guards,
      blackout: [blackoutWindow({ cron: "* * * * *", duration: "1h" })],
    };
  },
  target_not_allowed: (c) => {
    c.runbook.target = { label: "instance", allow: "db-*" };
  },
  cooldown: (c) => {
    c.runbook.guards = { ...c.runbook.guards, cooldown: "10m", cooldownMs: 10 * MINUTE };
    c.state.lastDispatch = { at: NOW - MINUTE, executionId: "ex_last" };
  },
  max_per_hour: (c) => {
    c.runbook.guards = { ...c.runbook.guards, maxPerHour: 1 };
    c.state.dispatchesLastHour = [NOW - 30 * MINUTE];
  },
  circuit_breaker: (c) => {
    c.state.breaker = {
      key: "runbook:nginx-down",
      scope: "runbook",
      state: "open",
      reason: "x",
      halfOpenAt: NOW + 1,
    };
  },
  active_execution: (c) => {
    c.state.active = { id: "ex_active", state: "running", since: NOW - MINUTE };
  },
  storm_limit: (c) => {
    c.state.recentDispatchesAll = c.storm.max;
  },
};

const ORDER: GuardName[] = [
  "kill_switch",
  "blackout",
  "target_not_allowed",
  "cooldown",
  "max_per_hour",
  "circuit_breaker",
  "active_execution",
  "storm_limit",
];

describe("evaluateGuards", () => {
  it("allows when every guard allows", () => {
    expect(evaluateGuards(context())).toEqual({ allow: true });
  });

  it("evaluates the eight guards in the documented order", () => {
    expect(GUARDS).toHaveLength(ORDER.length);
  });

  it.each(ORDER.map((name, index) => [name, index] as const))(
    "when %s and every later guard say no, %s decides (first no wins)",
    (name, index) => {
      const c = context({ runbook: runbook({ guards: {} }) });
      for (const later of ORDER.slice(index)) failing[later](c);
      expect(evaluateGuards(c)).toMatchObject({ allow: false, guard: name });
    },
  );

  it.each(ORDER.map((name) => [name] as const))("%s alone says no on its own", (name) => {
    const c = context({ runbook: runbook({ guards: {} }) });
    failing[name](c);
    expect(evaluateGuards(c)).toMatchObject({ allow: false, guard: name });
  });
});
