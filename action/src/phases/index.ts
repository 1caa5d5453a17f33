/**
 * @module
 * Phase name → phase.
 */
import type { Phase } from "../inputs.js";
import type { PhaseContext, PhaseResult } from "./context.js";
import { diagnostics } from "./diagnostics.js";
import { healthCheck } from "./health-check.js";
import { type NotifySurroundings, notify } from "./notify.js";
import { plan } from "./plan.js";
import { remediate } from "./remediate.js";
import { rollback } from "./rollback.js";
import { verify } from "./verify.js";

export function runPhase(
  phase: Phase,
  context: PhaseContext,
  notifySurroundings: NotifySurroundings,
): Promise<PhaseResult> {
  switch (phase) {
    case "plan":
      return plan(context);
    case "health-check":
      return healthCheck(context);
    case "diagnostics":
      return diagnostics(context);
    case "remediate":
      return remediate(context);
    case "verify":
      return verify(context);
    case "rollback":
      return rollback(context);
    case "notify":
      return notify(context, notifySurroundings);
  }
}
