import type { AuditBus } from "../audit-bus.js";
import type { Logger } from "../logger.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import type { Db } from "../store/database.js";
import type { GitHubApi } from "./github-api.js";

/** What GitHub webhook handlers need; the composition root passes it in. */
export interface GitHubHandlerDeps {
  db: Db;
  runbooks: () => RunbookSet | undefined;
  bus: AuditBus;
  log: Logger;
  /** Absent in dry-run without credentials: state is still tracked, nothing is called back. */
  api?: GitHubApi;
  now: () => number;
  /**
   * Runbooks served from Git: reload at this commit when the watched ref is pushed
   * (`reloadAt` runs reloads one at a time, in call order: runbooks/reloader.ts).
   */
  /** An approval the bridge held was approved: its outbox row is ready (wakes the outbox worker). */
  onApproved?: () => void;
  /** The environment-protection cache: a deployment_protection_rule event shows an environment changed. */
  protection?: { forget(environment: string): void };
  runbooksFromGit?: { ref: string; reloadAt(sha: string): Promise<void> };
}
