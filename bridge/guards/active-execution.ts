import { ago, subject } from "./format.js";
import { ALLOW, type Guard } from "./types.js";

/**
 * One active execution per runbook + target. The bridge never relies on a GitHub
 * concurrency group to queue runs: a newer pending run would cancel the older one.
 */
export const activeExecution: Guard = ({ runbook, target, state, now }) => {
  const active = state.active;
  if (!active) return ALLOW;
  return {
    allow: false,
    guard: "active_execution",
    reason: `active execution: ${subject(runbook.name, target)} already has ${active.id} (${active.state} since ${ago(active.since, now)})`,
  };
};
