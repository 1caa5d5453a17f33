/**
 * @module
 * The approval-time safety gate, judged when a remediate job asks to deploy to its
 * environment: the world may have changed since the alert was dispatched. Pure: the
 * caller reads the facts; this decides and explains.
 */
import { activeWindow } from "../guards/blackout.js";
import { clock } from "../guards/format.js";
import type { ResolvedRunbook } from "../runbooks/resolved-runbook.js";

export interface GateFacts {
  executionId?: string;
  /** Why the run's execution could not be established (GitHub errors, rate limits): never approve then. */
  unknownBecause?: string;
  runbook?: ResolvedRunbook;
  /** When the alert resolved, if it did. */
  alertResolvedAt?: number;
  enabled: boolean;
  /** Open breakers that cover this execution (its scope, or global), with their reasons. */
  openBreakers: { key: string; reason: string }[];
  now: number;
}

export interface GateVerdict {
  state: "approved" | "rejected";
  comment: string;
}

export function judgeGate(facts: GateFacts): GateVerdict {
  const reject = (comment: string): GateVerdict => ({ state: "rejected", comment: `Runbridge: ${comment}` });
  if (!facts.enabled) return reject("automation is switched off (kill switch); nothing may remediate now");
  if (facts.unknownBecause !== undefined) {
    return reject(
      `cannot check this run: ${facts.unknownBecause}; rejected rather than approved on missing facts. Re-run the remediate job to ask again.`,
    );
  }
  if (facts.alertResolvedAt !== undefined) {
    return reject(
      `alert resolved at ${new Date(facts.alertResolvedAt).toISOString()}; nothing left to remediate`,
    );
  }
  const breaker = facts.openBreakers[0];
  if (breaker) return reject(`circuit breaker ${breaker.key} is open (${breaker.reason})`);
  for (const window of facts.runbook?.guards.blackout ?? []) {
    const active = activeWindow(window, facts.now);
    if (active) {
      return reject(
        `blackout window "${window.cron}" ${window.timezone} is active (${clock(active.start)}–${clock(active.end)})${window.reason ? `: ${window.reason}` : ""}`,
      );
    }
  }
  const checked = new Date(facts.now).toISOString();
  return {
    state: "approved",
    comment: facts.executionId
      ? `Runbridge: execution ${facts.executionId} checked at ${checked}: alert still firing, automation on, no breaker open, no blackout`
      : `Runbridge: a run Runbridge did not start (manual) checked at ${checked}: automation on, no global breaker open`,
  };
}
