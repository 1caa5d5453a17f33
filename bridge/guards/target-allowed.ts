import { isTargetAllowed } from "../runbooks/target.js";
import { ALLOW, type Guard } from "./types.js";

/**
 * Longest target passed on to a workflow. Alert labels are untrusted and unbounded; a
 * longer "host" is no host, and cutting it short would remediate some other target. It
 * also keeps the dispatch inputs within GitHub's limits (see dispatch/payload.ts).
 */
export const MAX_TARGET_CHARS = 1_024;

/** A runbook touches only the targets its allow-list names. */
export const targetAllowed: Guard = ({ runbook, target }) => {
  const spec = runbook.target;
  if (target !== undefined && target.length > MAX_TARGET_CHARS) {
    return {
      allow: false,
      guard: "target_not_allowed",
      reason: `target not allowed: the "${spec?.label}" target is ${target.length} characters long (limit ${MAX_TARGET_CHARS})`,
    };
  }
  if (isTargetAllowed(runbook, target)) return ALLOW;
  const allow = [spec?.allow ?? []].flat().join(", ");
  const reason =
    target === undefined
      ? `target not allowed: the alert has no usable "${spec?.label}" label${spec?.pattern ? ` matching ${spec.pattern}` : ""}`
      : `target not allowed: ${target} is not in ${runbook.name}'s allow-list (${allow})`;
  return { allow: false, guard: "target_not_allowed", reason };
};
