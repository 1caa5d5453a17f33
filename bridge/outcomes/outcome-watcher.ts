/**
 * @module
 * The timer that ends every watch: each pass takes the succeeded runs whose alert has not
 * cleared by their deadline (outcome.within after the run, plus RUNBRIDGE_VERIFY_GRACE so a
 * resolved notification Alertmanager holds until its group's next flush still arrives first),
 * asks Alertmanager whether the alert is still active, and records the verdict
 * (executions/outcome.ts). Shaped like the reconciler: an interval, one pass at a time, a failed
 * pass logged and retried by the next.
 */
import type { AuditBus } from "../audit-bus.js";
import { type AlertCheck, judgeAtDeadline } from "../executions/outcome.js";
import type { Logger } from "../logger.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import type { Db } from "../store/database.js";
import { type Execution, outcomesDue } from "../store/executions.js";
import type { StorageHealth } from "../store/storage-health.js";
import type { AlertmanagerAlerts } from "./alertmanager-alerts.js";

export interface OutcomeWatcherOptions {
  /** Whether this bridge runs the timed passes (the one holding the timers lease, leadership.ts); always, when absent. */
  leads?: () => Promise<boolean>;
  db: Db;
  runbooks: () => RunbookSet | undefined;
  bus: AuditBus;
  log: Logger;
  alerts: AlertmanagerAlerts;
  /** Whether ALERTMANAGER_URL is set: without it, an unknown answer is final at once. */
  askAlertmanager: boolean;
  /** Added to each deadline: Alertmanager's group_interval (RUNBRIDGE_VERIFY_GRACE). */
  graceMs: number;
  intervalMs: number;
  storage?: StorageHealth;
  now?: () => number;
}

export interface OutcomeWatcher {
  start(): void;
  /** One pass, awaited (tests). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** Executions judged per pass; the rest wait for the next. */
const PER_PASS = 50;

export function createOutcomeWatcher(options: OutcomeWatcherOptions): OutcomeWatcher {
  const now = options.now ?? Date.now;
  const { db, log } = options;
  const deps = { db, runbooks: options.runbooks };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  async function checkOf(execution: Execution): Promise<AlertCheck> {
    if (execution.occurrenceKey.startsWith("group:")) {
      // One alert's state says nothing about a group's episode, which ends only with the whole group.
      return {
        kind: "unknown",
        why: "a group runbook's episode ends with its whole group's resolved notification, and none arrived",
      };
    }
    const labels = (execution.alert as { labels?: Record<string, string> }).labels ?? {};
    return options.alerts.check(
      { labels, fingerprint: execution.fingerprint, startsAt: execution.startsAt },
      AbortSignal.timeout(15_000),
    );
  }

  async function judge(execution: Execution): Promise<void> {
    const check = await checkOf(execution);
    const deadline = (execution.verifyBy ?? 0) + options.graceMs;
    // Alertmanager unreachable: ask again on later passes for one more grace, then decide on
    // what the notifications said (nothing), with the reason.
    if (
      check.kind === "unknown" &&
      options.askAlertmanager &&
      !execution.occurrenceKey.startsWith("group:")
    ) {
      if (now() < deadline + Math.max(options.graceMs, options.intervalMs * 4)) {
        log.warn({ executionId: execution.id, why: check.why }, "outcome check: will ask Alertmanager again");
        return;
      }
    }
    options.bus.publish(await judgeAtDeadline(deps, execution.id, check, now()));
  }

  async function pass(): Promise<void> {
    for (const execution of await outcomesDue(db, now() - options.graceMs, PER_PASS)) {
      if (stopped) return;
      try {
        await judge(execution);
      } catch (error) {
        log.warn({ err: error, executionId: execution.id }, "outcome check failed; will retry next pass");
      }
    }
  }

  function runOnce(): Promise<void> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    start() {
      timer = setInterval(() => {
        (options.leads ?? (async () => true))()
          .then((leading) => (leading ? runOnce() : undefined))
          .catch((error: unknown) => {
            options.storage?.failed(error, now());
            log.error({ err: error }, "outcome watcher: pass failed; will retry next pass");
          });
      }, options.intervalMs);
      timer.unref();
    },
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
