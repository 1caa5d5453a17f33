/**
 * @module
 * The composition root: config → store → runbooks → GitHub → outbox worker → HTTP.
 * The only place that reads `process.env`, installs signal handlers and starts timers.
 */
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { createAuditBus } from "./audit-bus.js";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { createGitHubClient } from "./dispatch/github-client.js";
import { createDispatcher, type Dispatcher } from "./dispatch/github-dispatcher.js";
import { createOutboxWorker, type OutboxWorker } from "./dispatch/outbox-worker.js";
import { createApp } from "./http/app.js";
import { createLogger, type Logger } from "./logger.js";
import { createRunbookHolder } from "./runbooks/runbook-holder.js";
import { loadRunbookSet } from "./runbooks/runbook-set.js";
import { watchRunbookDir } from "./runbooks/watch-dir.js";
import { appendAudit } from "./store/audit.js";
import { startCheckpointer } from "./store/checkpointer.js";
import { openDatabase } from "./store/database.js";
import { setEnabled } from "./store/settings.js";

export interface RunningBridge {
  url: string;
  config: Config;
  log: Logger;
  worker?: OutboxWorker;
  reloadRunbooks(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Replace the GitHub dispatcher (tests). */
  dispatcher?: Dispatcher;
  clock?: () => number;
  logDestination?: Parameters<typeof createLogger>[1];
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
    const event = database.db.transaction((tx) => {
      setEnabled(tx, config.enabled as boolean, now());
      return appendAudit(tx, {
        at: now(),
        kind: "kill_switch",
        message: `automation ${config.enabled ? "on" : "off"} (RUNBRIDGE_ENABLED at start)`,
      });
    });
    bus.publish([event]);
  }

  const { holder } = createRunbookHolder(() => loadRunbookSet(config.runbooksDir));
  const reloadRunbooks = () => {
    const outcome = holder.reload();
    if (!outcome.ok) {
      log.error(
        { problems: outcome.problems },
        `runbooks in ${config.runbooksDir} rejected; ${outcome.set ? "the last good set stays active" : "no set is active"}`,
      );
    } else if (outcome.changed) {
      log.info(
        { runbooks: outcome.set?.runbooks.length, sourceHash: outcome.set?.sourceHash },
        "runbooks loaded",
      );
    }
    const event = appendAudit(database.db, {
      at: now(),
      kind: outcome.ok ? "runbooks.loaded" : "runbooks.rejected",
      message: outcome.ok
        ? `${outcome.set?.runbooks.length} runbooks loaded from ${config.runbooksDir} (${outcome.set?.sourceHash.slice(0, 12)})`
        : `runbooks rejected (${outcome.problems.length} problems): ${outcome.problems.slice(0, 5).join("; ")}`,
    });
    bus.publish([event]);
  };
  reloadRunbooks();

  let worker: OutboxWorker | undefined;
  const dispatcher =
    options.dispatcher ??
    (config.github && !config.dryRun
      ? createDispatcher(createGitHubClient(config.github, log), config.github)
      : undefined);
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

  const app = createApp({
    db: database.db,
    config,
    log,
    bus,
    runbooks: holder.current,
    runbookProblems: holder.problems,
    worker,
    now,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
      resolve(started),
    );
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  const watcher = watchRunbookDir(config.runbooksDir, reloadRunbooks);
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
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker?.stop();
      await checkpointer.stop();
      database.close();
      log.info("stopped");
    })();
    return closing;
  };

  if (options.handleSignals) {
    process.on("SIGHUP", () => {
      log.info("SIGHUP: reloading runbooks");
      reloadRunbooks();
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
  return { url, config, log, worker, reloadRunbooks, close };
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
