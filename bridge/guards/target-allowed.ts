import { isTargetAllowed } from "../runbooks/target.js";
import { ALLOW, type Guard } from "./types.js";

/** A runbook touches only the targets its allow-list names. */
export const targetAllowed: Guard = ({ runbook, target }) => {
  if (isTargetAllowed(runbook, target)) return ALLOW;
  const spec = runbook.target;
  const allow = [spec?.allow ?? []].flat().join(", ");
  const reason =
    target === undefined
      ? `target not allowed: the alert has no usable "${spec?.label}" label${spec?.pattern ? ` matching ${spec.pattern}` : ""}`
      : `target not allowed: ${target} is not in ${runbook.name}'s allow-list (${allow})`;
  return { allow: false, guard: "target_not_allowed", reason };
};
