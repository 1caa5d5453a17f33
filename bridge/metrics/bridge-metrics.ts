/**
 * @module
 * The bridge's Prometheus metrics: one prom-client registry holding the counters fed by
 * the audit bus, the gauges read from the store on scrape, GitHub's rate limit, and the
 * Node.js process metrics. Label values are bounded (see label-values.ts).
 *
 * @example
 *   const metrics = createBridgeMetrics({ db, bus, runbooks: runbooks.current,
 *     runbookProblems: runbooks.problems, dryRun: config.dryRun, now });
 *   createApp(deps, { metrics });
 *   // on shutdown
 *   metrics.close();
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { AuditBus } from "../audit-bus.js";
import type { UnheldApproval } from "../dispatch/approval-readiness.js";
import { queryAudit } from "../store/audit.js";
import type { Checkpointer } from "../store/checkpointer.js";
import type { Db } from "../store/database.js";
import { listExecutions } from "../store/executions.js";
import { executionIdTime } from "../store/ids.js";
import { STORAGE_ERROR_CODES, type StorageErrorCode } from "../store/storage-health.js";
import { registerApprovalGauge } from "./approval-gauge.js";
import { createAuditMetrics } from "./audit-metrics.js";
import { rateLimitGauges } from "./github-rate-limit.js";
import { oneOf } from "./label-values.js";
import { registerStoreGauges, type StoreGaugeSources } from "./store-gauges.js";

export interface BridgeMetricsOptions extends StoreGaugeSources {
  db: Db;
  bus: AuditBus;
  /** Approval runbooks whose approval cannot be held (cached environment reads); absent: none reported. */
  approvalsUnheld?: () => UnheldApproval[];
  /** Node.js process metrics (process_*, nodejs_*); default true. */
  processMetrics?: boolean;
  /** The SQLite WAL's checkpointer; absent on PostgreSQL. */
  wal?: Pick<Checkpointer, "walBytes" | "restarts" | "readAheadBytes">;
}

export interface BridgeMetrics {
  registry: Registry;
  /** The text exposition for GET /metrics. */
  render(): Promise<string>;
  contentType: string;
  /**
   * Records GitHub's rate limit (remaining, limit, reset) from one answer's headers; the GitHub
   * client calls it for every answer (`observeAnswers(octokit, metrics.recordGitHubAnswer)`).
   */
  recordGitHubAnswer(headers: Record<string, string | number | undefined>): void;
  /** Counts a write the storage refused (full disk, I/O error), by SQLite code. */
  recordStorageError(code: StorageErrorCode): void;
  /** Stops listening to the audit bus. */
  close(): void;
}

/** Alert kinds: what Alertmanager's deliveries leave in the audit trail. */
const ALERT_KINDS = ["duplicate", "alert.resolved", "execution.cancelled"];

/** The last times recorded before this process started, so a restart does not reset "last seen". */
async function lastTimes(db: Db): Promise<{ lastEventAt?: number; lastAlertAt?: number }> {
  const lastEventAt = (await queryAudit(db, { n: 1 }))[0]?.at;
  const candidates = [
    (await listExecutions(db, { limit: 1 }))[0]?.createdAt,
    ...(await Promise.all(ALERT_KINDS.map(async (kind) => (await queryAudit(db, { kind, n: 1 }))[0]?.at))),
  ].filter((at): at is number => at !== undefined);
  return { lastEventAt, lastAlertAt: candidates.length ? Math.max(...candidates) : undefined };
}

export async function createBridgeMetrics(options: BridgeMetricsOptions): Promise<BridgeMetrics> {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const isRunbookLoaded = (name: string) => options.runbooks()?.index.byName.has(name) ?? false;
  const observe = createAuditMetrics(
    registry,
    {
      isRunbookLoaded,
      // Ids start with their creation time: no read of the database per dispatch.
      executionCreatedAt: executionIdTime,
    },
    await lastTimes(options.db),
  );
  registerStoreGauges(registry, options);
  registerApprovalGauge(registry, options.approvalsUnheld ?? (() => []), isRunbookLoaded);
  const rateLimit = rateLimitGauges(registry);
  const unsubscribe = options.bus.subscribe(observe);
  const storageErrors = new Counter({
    name: "runbridge_storage_errors_total",
    help: "Writes the database refused for lack of space or an I/O error, by SQLite code; /readyz says 503 while it lasts.",
    labelNames: ["code"],
    registers: [registry],
  });
  for (const code of STORAGE_ERROR_CODES) storageErrors.inc({ code }, 0);
  if (options.wal) registerWalMetrics(registry, options.wal);
  return {
    registry,
    render: () => registry.metrics(),
    contentType: registry.contentType,
    recordGitHubAnswer: (headers) => rateLimit.record(headers),
    recordStorageError: (code) => storageErrors.inc({ code: oneOf(code, STORAGE_ERROR_CODES) }),
    close: unsubscribe,
  };
}

/**
 * The -wal file beside the SQLite database: its size stays bounded under load (the
 * checkpointer starts the WAL again once its `restartBytes` are in use); one that keeps growing
 * means a reader holds a transaction open on the file (docs/operations.md).
 */
function registerWalMetrics(
  registry: Registry,
  wal: Pick<Checkpointer, "walBytes" | "restarts" | "readAheadBytes">,
): void {
  new Gauge({
    name: "runbridge_sqlite_wal_bytes",
    help: "Size of the SQLite -wal file in bytes; bounded under load, growing only while a reader holds the file.",
    registers: [registry],
    collect() {
      this.set(wal.walBytes());
    },
  });
  new Counter({
    name: "runbridge_sqlite_wal_restarts_total",
    help: "Times the checkpointer started the SQLite WAL again from its beginning (keeps the -wal file bounded).",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(wal.restarts());
    },
  });
  new Counter({
    name: "runbridge_sqlite_wal_read_ahead_bytes_total",
    help: "Bytes of the -wal file the checkpointer read just ahead of the writer, so a commit never waits for a block evicted from the page cache.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(wal.readAheadBytes());
    },
  });
}
