/**
 * @module
 * The composition root: config → store → runbooks → GitHub → outbox worker → HTTP.
 * The only place that reads `process.env`, installs signal handlers and starts timers.
 */
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { type AuditBus, createAuditBus } from "./audit-bus.js";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { createGitHubClient, type GitHubClient } from "./dispatch/github-client.js";
import { createDispatcher, type Dispatcher } from "./dispatch/github-dispatcher.js";
import { createOutboxWorker, type OutboxWorker } from "./dispatch/outbox-worker.js";
import { createGitHubApi, type GitHubApi } from "./github/github-api.js";
import { createReconciler, type Reconciler } from "./github/reconciler.js";
import { createGitHubWebhookReceiver } from "./github/webhook-receiver.js";
import { createApp } from "./http/app.js";
import { consoleRoutes } from "./http/console.js";
import { createEventStream, type EventStream } from "./http/events.js";
import { githubRoutes } from "./http/github.js";
import { metricsRoutes } from "./http/metrics.js";
import { silenceRoutes } from "./http/silences.js";
import { createLogger, type Logger } from "./logger.js";
import { type BridgeMetrics, createBridgeMetrics } from "./metrics/bridge-metrics.js";
import { loadRunbooksFromGitHub } from "./runbooks/github-source.js";
import { createRunbookHolder } from "./runbooks/runbook-holder.js";
import { loadRunbookSet } from "./runbooks/runbook-set.js";
import { watchRunbookDir } from "./runbooks/watch-dir.js";
import { appendAudit } from "./store/audit.js";
import { startCheckpointer } from "./store/checkpointer.js";
import { type Db, openDatabase } from "./store/database.js";
import { createGroupCommit } from "./store/group-commit.js";
import { setEnabled } from "./store/settings.js";
import { inTransaction } from "./store/transaction.js";

export interface RunningBridge {
  url: string;
  config: Config;
  log: Logger;
  worker?: OutboxWorker;
  reconciler?: Reconciler;
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

export async function startBridge(options: StartOptions = {}): Promise<RunningBridge> {
  const config = loadConfig(options.env ?? process.env);
  const log = createLogger(config.logLevel, options.logDestination);
  const now = options.clock ?? Date.now;
  const database = openDatabase(config.dbFile);
  const checkpointer = startCheckpointer(config.dbFile, 1_000, (message) =>
    log.warn({ message }, "WAL checkpoint failed"),
  );
  const bus = createAuditBus((error) => log.error({ err: error }, "audit listener failed"));

  if (config.enabled !== undefined) {
    const event = inTransaction(database.db, (tx) => {
      setEnabled(tx, config.enabled as boolean, now());
      return appendAudit(tx, {
        at: now(),
        kind: "kill_switch",
        message: `automation ${config.enabled ? "on" : "off"} (RUNBRIDGE_ENABLED at start)`,
      });
    });
    bus.publish([event]);
  }

  const octokit = options.octokit ?? (config.github ? createGitHubClient(config.github, log) : undefined);
  const repository = config.github;
  const source = config.runbooksSource;
  const from =
    source.kind === "github"
      ? `${config.repository?.owner}/${config.repository?.repo}/${source.path}@${source.ref}`
      : config.runbooksDir;
  const { holder, reloadAsync } = createRunbookHolder((sha?: string) =>
    source.kind === "github" && octokit && repository
      ? loadRunbooksFromGitHub(
          octokit,
          { owner: repository.owner, repo: repository.repo, ref: source.ref, path: source.path },
          sha,
        )
      : loadRunbookSet(config.runbooksDir),
  );
  const reloadRunbooks = async (sha?: string) => {
    const outcome = await reloadAsync(sha);
    const commit = outcome.set?.commitSha ? ` at ${outcome.set.commitSha.slice(0, 12)}` : "";
    if (!outcome.ok) {
      log.error(
        { problems: outcome.problems },
        `runbooks from ${from}${sha ? ` at ${sha.slice(0, 12)}` : ""} rejected; ${outcome.set ? "the last good set stays active" : "no set is active"}`,
      );
    } else if (outcome.changed) {
      log.info(
        {
          runbooks: outcome.set?.runbooks.length,
          sourceHash: outcome.set?.sourceHash,
          commit: outcome.set?.commitSha,
        },
        "runbooks loaded",
      );
    }
    const event = appendAudit(database.db, {
      at: now(),
      kind: outcome.ok ? "runbooks.loaded" : "runbooks.rejected",
      message: outcome.ok
        ? `${outcome.set?.runbooks.length} runbooks loaded from ${from}${commit} (${outcome.set?.sourceHash.slice(0, 12)})`
        : `runbooks from ${from}${sha ? ` at ${sha.slice(0, 12)}` : ""} rejected (${outcome.problems.length} problems): ${outcome.problems.slice(0, 5).join("; ")}`,
      // a rejected push recorded the last good set's commit as if it were the rejected one.
      data: {
        problems: outcome.problems.slice(0, 50),
        commitSha: (outcome.ok ? outcome.set?.commitSha : sha) ?? null,
        activeCommitSha: outcome.set?.commitSha ?? null,
      },
    });
    bus.publish([event]);
  };
  const metrics = createBridgeMetrics({
    db: database.db,
    bus,
    runbooks: holder.current,
    runbookProblems: holder.problems,
    dryRun: config.dryRun,
    now,
  });
  if (octokit) metrics.observeGitHub(octokit);
  await reloadRunbooks();

  let worker: OutboxWorker | undefined;
  const dispatcher =
    options.dispatcher ??
    (octokit && repository && !config.dryRun ? createDispatcher(octokit, repository) : undefined);
  const api: GitHubApi | undefined = octokit && repository ? createGitHubApi(octokit, repository) : undefined;
  if (dispatcher && !config.dryRun) {
    worker = createOutboxWorker({
      db: database.db,
      dispatcher,
      runbooks: () => {
        const set = holder.current();
        if (!set) throw new Error("no runbook set loaded");
        return set;
      },
      bus,
      log,
      clock: now,
      ...config.dispatch,
    });
    worker.start();
  }

  // Secrets named by runbooks (e.g. a Slack webhook for escalations) come from the bridge's environment.
  const environment = options.env ?? process.env;
  const secret = (name: string) => environment[name];
  let reconciler: Reconciler | undefined;
  if (api) {
    reconciler = createReconciler({
      db: database.db,
      api,
      dispatcher,
      runbooks: holder.current,
      bus,
      log,
      secret,
      now,
      ...config.reconcile,
    });
    reconciler.start();
  }
  const receiver = config.githubWebhookSecret
    ? createGitHubWebhookReceiver(config.githubWebhookSecret, {
        db: database.db,
        runbooks: holder.current,
        bus,
        log,
        api,
        now,
        runbooksFromGit:
          source.kind === "github" ? { ref: source.ref, reloadAt: (sha) => reloadRunbooks(sha) } : undefined,
      })
    : undefined;

  const deps = {
    db: database.db,
    config,
    log,
    bus,
    runbooks: holder.current,
    runbookProblems: holder.problems,
    worker,
    commits: createGroupCommit(database.db),
    onCancelRequested: () => reconciler?.kick(),
    now,
  };
  const events = createEventStream(deps, { heartbeatMs: options.heartbeatMs });
  const app = createApp(deps, [
    githubRoutes(deps, receiver),
    metricsRoutes(metrics, { token: config.metricsToken }),
    events.routes,
    silenceRoutes(deps, { alertmanagerUrls: config.alertmanagerUrls }),
    consoleRoutes(),
  ]);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
      resolve(started),
    );
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  const watcher =
    source.kind === "local"
      ? watchRunbookDir(config.runbooksDir, () => void reloadRunbooks())
      : { close() {} };
  log.info(
    {
      url,
      db: config.dbFile,
      runbooks: config.runbooksDir,
      dryRun: config.dryRun,
      repository: config.repository,
    },
    `runbridge listening on ${url}${config.dryRun ? " (dry-run: nothing is dispatched)" : ""}`,
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      log.info("shutting down: no new requests, finishing in-flight work");
      watcher.close();
      // Open event streams would otherwise keep server.close() waiting forever.
      events.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker?.stop();
      await reconciler?.stop();
      metrics.close();
      await checkpointer.stop();
      database.close();
      log.info("stopped");
    })();
    return closing;
  };

  if (options.handleSignals) {
    process.on("SIGHUP", () => {
      log.info("SIGHUP: reloading runbooks");
      void reloadRunbooks();
    });
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        close().then(
          () => process.exit(0),
          (error) => {
            log.error({ err: error }, "shutdown failed");
            process.exit(1);
          },
        );
      });
    }
  }
  return {
    url,
    config,
    log,
    worker,
    reconciler,
    db: database.db,
    bus,
    metrics,
    events,
    reloadRunbooks: () => reloadRunbooks(),
    close,
  };
}

/** `npm start` / `runbridge serve`. */
export async function main(): Promise<void> {
  try {
    await startBridge({ handleSignals: true });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`runbridge: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
