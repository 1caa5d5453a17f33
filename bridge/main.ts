/**
 * @module
 * The composition root: config → store → runbooks → GitHub → HTTP → workers. The only place
 * that reads `process.env`, installs signal handlers and starts timers. Every part registers
 * its stop as it starts (lifecycle.ts): a start that fails halfway stops what had started and
 * rejects with the reason, and `close()` stops the parts in reverse order.
 */
import { fileURLToPath } from "node:url";
import { type AuditBus, createAuditBus } from "./audit-bus.js";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { createConsoleFeed } from "./console-feed.js";
import { readApprovalEnvironments } from "./dispatch/approval-environments.js";
import { unheldApprovals } from "./dispatch/approval-readiness.js";
import { createEnvironmentProtection } from "./dispatch/environment-protection.js";
import { createGitHubClient, type GitHubClient, observeAnswers } from "./dispatch/github-client.js";
import { createDispatcher, type Dispatcher } from "./dispatch/github-dispatcher.js";
import { createNotificationWorker, type NotificationWorker } from "./dispatch/notification-worker.js";
import { createOutboxWorker, type OutboxWorker } from "./dispatch/outbox-worker.js";
import { createGitHubApi } from "./github/github-api.js";
import { announceHeldApproval } from "./github/held-approvals.js";
import { createReconciler, type Reconciler } from "./github/reconciler.js";
import { createGitHubWebhookReceiver } from "./github/webhook-receiver.js";
import { createApp } from "./http/app.js";
import type { HttpDeps } from "./http/deps.js";
import { createEventStream, type EventStream } from "./http/events.js";
import { ListenError, listen } from "./http/listen.js";
import { createLeadership } from "./leadership.js";
import { createLifecycle, StartError } from "./lifecycle.js";
import { createLogger, type Logger } from "./logger.js";
import { type BridgeMetrics, createBridgeMetrics } from "./metrics/bridge-metrics.js";
import { setKillSwitch } from "./operator/kill-switch.js";
import { createAlertmanagerAlerts } from "./outcomes/alertmanager-alerts.js";
import { createLapsedBreakerWatcher } from "./outcomes/lapsed-breakers.js";
import { createOutcomeWatcher, type OutcomeWatcher } from "./outcomes/outcome-watcher.js";
import { createRunbookReloader, type RunbookOrigin } from "./runbooks/reloader.js";
import { shareRunbookCommit } from "./runbooks/shared-commit.js";
import { settleStartupMemory } from "./settle-memory.js";
import { appendAudit } from "./store/audit.js";
import { asBackgroundWork } from "./store/background-work.js";
import { startCheckpointer } from "./store/checkpointer.js";
import type { Db } from "./store/database.js";
import { engineOf } from "./store/engine.js";
import { createGroupCommit } from "./store/group-commit.js";
import { openStore } from "./store/open-store.js";
import { createPostgresGroupCommit } from "./store/postgres/decision-batches.js";
import { startPlannerStatistics } from "./store/postgres/planner-statistics.js";
import { startPruner } from "./store/pruner.js";
import { createStorageHealth } from "./store/storage-health.js";

export interface RunningBridge {
  url: string;
  config: Config;
  log: Logger;
  worker?: OutboxWorker;
  notifier: NotificationWorker;
  reconciler?: Reconciler;
  /** Judges succeeded runs whose alert did not clear by their deadline. */
  outcomes: OutcomeWatcher;
  db: Db;
  bus: AuditBus;
  metrics: BridgeMetrics;
  events: EventStream;
  reloadRunbooks(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Replace the GitHub dispatcher (tests). */
  dispatcher?: Dispatcher;
  /** Replace the Octokit client (tests). */
  octokit?: GitHubClient;
  clock?: () => number;
  logDestination?: Parameters<typeof createLogger>[1];
  /** Heartbeat interval of the live event stream (tests shorten it). */
  heartbeatMs?: number;
  /** Install SIGTERM/SIGINT/SIGHUP handlers (the CLI does; tests don't). */
  handleSignals?: boolean;
}

function runbookOrigin(config: Config, octokit: GitHubClient | undefined): RunbookOrigin {
  const source = config.runbooksSource;
  if (source.kind === "local") return { kind: "local", dir: config.runbooksDir };
  // loadConfig refuses RUNBRIDGE_RUNBOOKS_SOURCE=github without GitHub credentials.
  if (!octokit || !config.github) throw new Error("runbooks from GitHub need GitHub credentials");
  const { owner, repo } = config.github;
  return { kind: "github", octokit, location: { owner, repo, ref: source.ref, path: source.path } };
}

/**
 * Starts the bridge. Rejects with a ConfigError (nothing started), or a StartError naming the
 * part that failed after everything started before it was stopped again.
 */
export async function startBridge(options: StartOptions = {}): Promise<RunningBridge> {
  const environment = options.env ?? process.env;
  const config = loadConfig(environment);
  const log = createLogger(config.logLevel, options.logDestination);
  const parts = createLifecycle(log);
  try {
    return await startParts(config, log, parts, options, environment);
  } catch (error) {
    log.error({ err: error }, "start failed; stopping what had started");
    await parts.stop().catch(() => {
      // each failed stop was logged; the start failure is the reason to report
    });
    throw error;
  }
}

async function startParts(
  config: Config,
  log: Logger,
  parts: ReturnType<typeof createLifecycle>,
  options: StartOptions,
  environment: Readonly<Record<string, string | undefined>>,
): Promise<RunningBridge> {
  const now = options.clock ?? Date.now;
  const database = await parts.start(
    "database",
    () => openStore(config),
    (opened) => opened.close(),
  );
  const db = database.db;
  // PostgreSQL may be shared by several bridges: claims are taken back only once their lease ran out.
  const sharedDatabase = database.engine === "postgres";
  const sqliteFile = database.sqlite;
  const checkpointer = !sqliteFile
    ? undefined
    : await parts.start(
        "WAL checkpointer",
        () =>
          startCheckpointer(sqliteFile, config.dbFile, {
            onError: (message) => log.warn({ message }, "WAL checkpoint failed"),
          }),
        (started) => started.stop(),
      );
  // Stopped after the timers it gates (parts stop in reverse): the lease is given up last.
  const leadership = await parts.start(
    "timers lease",
    () => createLeadership({ db, shared: sharedDatabase, log, now }),
    (lead) => lead.stop(),
  );
  const engine = engineOf(db);
  if (engine.kind === "postgres") {
    await parts.start(
      "planner statistics",
      () => startPlannerStatistics({ sql: engine.sql, leads: leadership.leads, log }),
      (statistics) => statistics.stop(),
    );
  }
  const bus = createAuditBus((error) => log.error({ err: error }, "audit listener failed"));
  if (config.enabled !== undefined) {
    await setKillSwitch(
      { db, bus },
      { enabled: config.enabled, at: now(), origin: "by RUNBRIDGE_ENABLED at start" },
    );
  }

  const octokit = options.octokit ?? (config.github ? createGitHubClient(config.github, log) : undefined);
  const repository = config.github;
  const runbooks = createRunbookReloader({
    origin: runbookOrigin(config, octokit),
    log,
    now,
    record: async (event) => bus.publish([await appendAudit(db, event)]),
  });
  const metrics = await parts.start(
    "metrics",
    () =>
      createBridgeMetrics({
        db,
        bus,
        runbooks: runbooks.current,
        runbookProblems: runbooks.problems,
        dryRun: config.dryRun,
        approvalsUnheld: () => approvalsUnheld(),
        now,
        wal: checkpointer,
      }),
    (started) => started.close(),
  );
  if (octokit) observeAnswers(octokit, metrics.recordGitHubAnswer);
  const storage = createStorageHealth(metrics.recordStorageError);
  // Bridges sharing a database follow one runbook commit from Git, recorded there.
  const sharedCommit =
    sharedDatabase && runbooks.fromGit
      ? await parts.start(
          "shared runbook commit",
          async () => {
            const shared = shareRunbookCommit({ db, reloader: runbooks, log, now });
            await shared.start();
            return shared;
          },
          (shared) => shared.stop(),
        )
      : undefined;
  if (!sharedCommit) await runbooks.reload();
  const runbooksFromGit =
    runbooks.fromGit && sharedCommit
      ? { ref: runbooks.fromGit.ref, reloadAt: sharedCommit.reloadAt }
      : runbooks.fromGit;

  const dispatcher =
    options.dispatcher ??
    (octokit && repository && !config.dryRun ? createDispatcher(octokit, repository) : undefined);
  const api = octokit && repository ? createGitHubApi(octokit, repository) : undefined;
  const activeRunbooks = () => {
    const set = runbooks.current();
    if (!set) throw new Error("no runbook set loaded");
    return set;
  };
  // Whether an approval runbook's environment holds its run (required reviewers): asked before
  // each such dispatch, cached for a few minutes (an environment's rules change rarely).
  const protection = api
    ? createEnvironmentProtection({ read: (name) => api.getEnvironment(name), ttlMs: 5 * 60_000, now })
    : undefined;
  // Each activated runbook set's approval environments are read at once (in the background),
  // so /api/status and the unheld-approval metric know before the first alert.
  const readEnvironments = () => {
    const set = runbooks.current();
    if (protection && set) {
      void readApprovalEnvironments(
        protection,
        set.runbooks.map((loaded) => loaded.runbook),
        log,
      );
    }
  };
  /** From the environment reads the outbox worker cached: asks GitHub nothing. */
  function approvalsUnheld() {
    const set = runbooks.current();
    if (!set || !protection) return [];
    return unheldApprovals(
      set.runbooks.map((loaded) => loaded.runbook),
      (environment) => protection.known(environment),
    );
  }
  const approvals =
    api && protection
      ? {
          protection,
          announce: (executionId: string, why: string) =>
            announceHeldApproval({ db, runbooks: runbooks.current, bus, log, now, api }, executionId, why),
        }
      : undefined;
  const worker =
    dispatcher && !config.dryRun
      ? createOutboxWorker({
          db,
          sharedDatabase,
          claimLeaseMs: config.database?.claimLeaseMs,
          dispatcher,
          runbooks: activeRunbooks,
          bus,
          log,
          storage,
          clock: now,
          approvals,
          ...config.dispatch,
        })
      : undefined;
  // Secrets named by runbooks (e.g. a Slack webhook for escalations) come from the bridge's environment.
  const secret = (name: string) => environment[name];
  // The bridge's own notifications (notify mode, breaker escalations, failures) go out even in
  // dry-run: they dispatch nothing.
  const notifier = createNotificationWorker({
    db,
    sharedDatabase,
    claimLeaseMs: config.database?.claimLeaseMs,
    api,
    runbooks: runbooks.current,
    bus,
    log,
    secret,
    storage,
    clock: now,
    ...config.notifications,
  });
  const reconciler = api
    ? createReconciler({
        leads: leadership.leads,
        db,
        api,
        dispatcher,
        runbooks: runbooks.current,
        bus,
        log,
        storage,
        now,
        ...config.reconcile,
      })
    : undefined;
  const githubReceiver = config.githubWebhookSecret
    ? createGitHubWebhookReceiver(config.githubWebhookSecret, {
        db,
        runbooks: runbooks.current,
        bus,
        log,
        api,
        now,
        onApproved: () => worker?.wake(),
        protection,
        runbooksFromGit,
      })
    : undefined;

  const deps: HttpDeps = {
    db,
    config,
    log,
    bus,
    runbooks: runbooks.current,
    runbookProblems: runbooks.problems,
    worker,
    // Group commit batches SQLite's one writer; PostgreSQL commits deliveries side by side.
    commits:
      database.engine === "sqlite"
        ? createGroupCommit(db)
        : createPostgresGroupCommit(db, (error, deliveries) =>
            log.warn(
              { err: error, deliveries },
              "a batch of deliveries failed as a whole; deciding each of them on its own (each is answered by its own result)",
            ),
          ),
    storage,
    onCancelRequested: () => reconciler?.kick(),
    approvalsUnheld,
    now,
  };
  // Stopped after the HTTP server (parts stop in reverse), so open streams end first. The feed
  // listens before the stream exists: a notification arriving in between finds no reader.
  let streamClients = () => 0;
  const consoleFeed = await parts.start(
    "console feed",
    () => createConsoleFeed({ db, bus, log, wanted: () => streamClients() > 0 }),
    (feed) => feed.close(),
  );
  const events = createEventStream({ ...deps, bus: consoleFeed.feed }, { heartbeatMs: options.heartbeatMs });
  streamClients = events.clients;
  const app = createApp(deps, { githubReceiver, metrics, events });
  // The port is taken before the workers start: a second bridge on the same database (the
  // old one still running) stops here instead of releasing the outbox rows the first holds.
  const server = await parts.start(
    "HTTP server",
    () => listen(app, { port: config.port, host: config.host }),
    async (listening) => {
      // Open event streams would otherwise keep the server from closing.
      events.close();
      await listening.close();
    },
  );
  if (worker) {
    await parts.start(
      "outbox worker",
      () => asBackgroundWork(() => worker.start()),
      () => worker.stop(),
    );
  }
  await parts.start(
    "notification worker",
    async () => {
      await asBackgroundWork(() => notifier.start());
      // Whatever queued a notification (a decision, a GitHub event, an operator's reset)
      // published its audit event after the commit: the worker sends it now.
      return bus.subscribe((event) => {
        if (event.kind === "notification.queued") notifier.wake();
      });
    },
    async (unsubscribe) => {
      unsubscribe();
      await notifier.stop();
    },
  );
  if (reconciler) {
    await parts.start(
      "reconciler",
      () => asBackgroundWork(() => reconciler.start()),
      () => reconciler.stop(),
    );
  }
  // Every succeeded run ends verified or not_cleared: the watcher runs whatever else is configured.
  const outcomes = createOutcomeWatcher({
    leads: leadership.leads,
    db,
    runbooks: runbooks.current,
    bus,
    log,
    alerts: createAlertmanagerAlerts({ urls: config.alertmanagerUrls }),
    askAlertmanager: config.alertmanagerUrls.length > 0,
    storage,
    now,
    ...config.outcome,
  });
  await parts.start(
    "outcome watcher",
    () => asBackgroundWork(() => outcomes.start()),
    () => outcomes.stop(),
  );
  // The storm breaker closes by itself: its issue and page are closed and resolved when it does.
  const lapsedBreakers = createLapsedBreakerWatcher({
    db,
    bus,
    log,
    now,
    intervalMs: 5_000,
    storage,
    leads: leadership.leads,
  });
  await parts.start(
    "lapsed breaker watcher",
    () => asBackgroundWork(() => lapsedBreakers.start()),
    () => lapsedBreakers.stop(),
  );
  // After the port is ours, like the workers: a bridge that cannot start asks GitHub nothing.
  await parts.start(
    "environment reads",
    () => {
      readEnvironments();
      return bus.subscribe((event) => {
        if (event.kind === "runbooks.loaded") readEnvironments();
      });
    },
    (unsubscribe) => unsubscribe(),
  );
  const { retentionMs } = config;
  if (retentionMs !== undefined) {
    await parts.start(
      "retention pruner",
      () =>
        asBackgroundWork(() =>
          startPruner({
            leads: leadership.leads,
            db,
            retentionMs,
            now,
            onPass: (pass) => {
              const { executions, auditEvents, alerts } = pass.deleted;
              if (executions + auditEvents + alerts > 0)
                log.info({ pass }, "retention: pruned what is older than RUNBRIDGE_RETENTION");
            },
            onError: (error) => log.error({ err: error }, "retention pass failed; the next pass retries"),
          }),
        ),
      (pruner) => pruner.stop(),
    );
  }
  // A reload the watch starts (a file changed) records its audit line as background work.
  await parts.start(
    "runbook watch",
    () => asBackgroundWork(runbooks.watch),
    (stopWatching) => stopWatching(),
  );

  log.info(
    {
      url: server.url,
      db: database.where,
      runbooks: config.runbooksDir,
      dryRun: config.dryRun,
      repository: config.repository,
    },
    `runbridge listening on ${server.url}${config.dryRun ? " (dry-run: nothing is dispatched)" : ""}`,
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      log.info("shutting down: no new requests, finishing in-flight work");
      await parts.stop();
      log.info("stopped");
    })();
    return closing;
  };
  if (options.handleSignals) {
    await parts.start(
      "signal handlers",
      () => handleSignals(log, close, () => void runbooks.reload()),
      (remove) => remove(),
    );
  }
  return {
    url: server.url,
    config,
    log,
    worker,
    notifier,
    reconciler,
    outcomes,
    db,
    bus,
    metrics,
    events,
    reloadRunbooks: () => runbooks.reload(),
    close,
  };
}

/** SIGHUP reloads runbooks; SIGTERM and SIGINT stop the bridge and exit. Returns how to remove them. */
function handleSignals(log: Logger, close: () => Promise<void>, reload: () => void): () => void {
  const onHangup = () => {
    log.info("SIGHUP: reloading runbooks");
    reload();
  };
  const onStop = () => {
    close().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGHUP", onHangup);
  process.once("SIGTERM", onStop);
  process.once("SIGINT", onStop);
  return () => {
    process.off("SIGHUP", onHangup);
    process.off("SIGTERM", onStop);
    process.off("SIGINT", onStop);
  };
}

/**
 * What to print when the bridge cannot start: the reason, and a stack only when the reason
 * does not already say what to fix (a configuration problem, a port that cannot be bound).
 */
export function startFailureMessage(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof StartError) {
    const cause = error.cause;
    return cause instanceof ListenError || !(cause instanceof Error)
      ? error.message
      : `${error.message}\n${cause.stack ?? ""}`;
  }
  return `cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

/** `npm start` / `runbridge serve`. */
export async function main(): Promise<void> {
  try {
    const bridge = await startBridge({ handleSignals: true });
    settleStartupMemory(bridge.log);
  } catch (error) {
    process.stderr.write(`runbridge: ${startFailureMessage(error)}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
