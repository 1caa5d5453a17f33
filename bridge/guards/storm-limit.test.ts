import { describe, expect, it } from "vitest";
import { context, MINUTE } from "../../test/fixtures/guards/context.js";
import { stormLimit } from "./storm-limit.js";

const storm = { max: 3, windowMs: 5 * MINUTE, openForMs: 15 * MINUTE };

describe("stormLimit", () => {
  it.each<[string, number, boolean]>([
    ["allows with no recent dispatches", 0, true],
    ["allows up to the limit (the third of three)", 2, true],
    ["refuses the dispatch that would be one more than the limit", 3, false],
    ["refuses well past the limit", 40, false],
  ])("%s", (_case, recent, allowed) => {
    expect(stormLimit(context({ storm, state: { recentDispatchesAll: recent } })).allow).toBe(allowed);
  });

  it("asks to open the global breaker and says so, with the count, the window and until when", () => {
    expect(stormLimit(context({ storm, state: { recentDispatchesAll: 3 } }))).toEqual({
      allow: false,
      guard: "storm_limit",
      reason:
        "storm limit: 3 dispatches across all runbooks in the last 5m (limit 3); global breaker opened until 12:45:05Z",
      opensGlobalBreaker: true,
    });
  });
});
