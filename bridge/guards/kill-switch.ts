import { ALLOW, type Guard } from "./types.js";

/** Automation switched off by an operator: record everything, dispatch nothing. */
export const killSwitch: Guard = ({ state }) =>
  state.enabled
    ? ALLOW
    : {
        allow: false,
        guard: "kill_switch",
        reason: "kill switch: automation is switched off (POST /api/kill-switch or RUNBRIDGE_ENABLED=false)",
      };
