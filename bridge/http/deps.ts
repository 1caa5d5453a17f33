import type { AuditBus } from "../audit-bus.js";
import type { Config } from "../config.js";
import type { UnheldApproval } from "../dispatch/approval-readiness.js";
import type { OutboxWorker } from "../dispatch/outbox-worker.js";
import type { Logger } from "../logger.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import type { Db } from "../store/database.js";
import type { GroupCommit } from "../store/group-commit.js";
import type { StorageHealth } from "../store/storage-health.js";

/** What the HTTP routes need, passed in by the composition root (tests build their own). */
export interface HttpDeps {
  db: Db;
  config: Config;
  log: Logger;
  bus: AuditBus;
  /** The active runbook set, or undefined before the first valid set loaded. */
  runbooks: () => RunbookSet | undefined;
  /** Problems of the last rejected reload, shown on /readyz and /api/status. */
  runbookProblems: () => string[];
  worker?: Pick<OutboxWorker, "wake">;
  /** Batches concurrent deliveries into one commit (absent: each commits alone). */
  commits?: GroupCommit;
  /** Whether writes reach the disk (a full disk, an I/O error): /readyz reports it, the webhook answers 503. */
  storage?: StorageHealth;
  /** Approval runbooks whose approval cannot be held (cached environment reads; absent: no GitHub access). */
  approvalsUnheld?: () => UnheldApproval[];
  /** A resolved alert asked for runs on GitHub to be cancelled (wakes the reconciler). */
  onCancelRequested?: () => void;
  now: () => number;
}
