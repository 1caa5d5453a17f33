import { describe, expect, it } from "vitest";
import { context, MINUTE, NOW } from "../../test/fixtures/guards/context.js";
import { activeExecution } from "./active-execution.js";

describe("activeExecution", () => {
  it.each<
    [string, { id: string; state: string; since: number } | undefined, string | undefined, string | undefined]
  >([
    ["allows when nothing is active for the runbook and target", undefined, "web-1", undefined],
    [
      "refuses while another execution is active, naming it, its state and since when",
      { id: "ex_1", state: "running", since: NOW - 7 * MINUTE },
      "web-1",
      "active execution: nginx-down on web-1 already has ex_1 (running since 7m ago)",
    ],
    [
      "refuses while a dispatch is still pending",
      { id: "ex_2", state: "pending", since: NOW - 5_000 },
      "web-1",
      "active execution: nginx-down on web-1 already has ex_2 (pending since 5s ago)",
    ],
    [
      "names only the runbook when there is no target",
      { id: "ex_3", state: "awaiting_approval", since: NOW - 2 * MINUTE },
      undefined,
      "active execution: nginx-down already has ex_3 (awaiting_approval since 2m ago)",
    ],
  ])("%s", (_case, active, target, reason) => {
    const verdict = activeExecution(context({ target, state: { active } }));
    if (reason === undefined) expect(verdict).toEqual({ allow: true });
    else expect(verdict).toEqual({ allow: false, guard: "active_execution", reason });
  });
});
