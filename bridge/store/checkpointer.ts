/**
 * @module
 * Checkpoints the WAL from a worker thread with its own connection, off the request
 * path, and keeps the WAL from growing without bound under a steady stream of writes.
 * Measured on these machines: p99 at 500 req/s drops from ~15 ms to ~1.7 ms
 * when checkpoints stop running inside requests.
 *
 * Why the worker alone is not enough: a PASSIVE checkpoint copies frames to the database
 * file but never stops the writer, and SQLite starts the WAL again from its beginning only
 * when a write begins while every frame has been copied back. At 1,000 decisions/s a commit
 * always lands during the copy, so the WAL never restarted: it grew to 1.9 GB in 35 s, and
 * every append to new blocks of the file waited in ext4 for the blocks the checkpoint's
 * fsync was allocating (the main thread in `ext4_da_get_block_prep`, 20–60 ms stalls every
 * 2 s). So the work is split: the worker does the bulk copies (PASSIVE, repeated until only
 * a small tail is left), then asks the main thread, the only writer, to finish with a
 * RESTART checkpoint between two of its transactions. That copies only the tail, and the
 * next write starts the WAL again at offset 0, over blocks the file already has.
 *
 * Before it asks, the worker syncs the database file itself. SQLite syncs the database file only
 * in a checkpoint that copies the WAL's last frame, so under steady writes the worker's passes
 * leave everything they copied unsynced for the main thread's RESTART to flush. Measured at
 * 1,000 decisions/s, a RESTART every ~2 s, 30 of each, two builds run in turn: 5.2–9.3 ms on the
 * main thread without this sync (at times 15 ms, which set the bridge's p99.9), 2.1–3.4 ms with
 * it (docs/benchmarks.md). The sync is only a head start: the RESTART still syncs what it
 * copies, so a failed or skipped one changes nothing but the pause.
 *
 * The worker runs only while the bridge writes enough to need it. A worker thread is a
 * second V8 isolate, about 20 MB of resident memory, and an idle bridge, or one that records
 * a few decisions a minute, has next to nothing to checkpoint: a WAL of a few MB costs
 * nothing, and the last connection to close checkpoints it anyway. Once per interval the
 * main thread looks at the -wal file's size (one stat) and how many rows its connection has
 * changed (one cheap read); it starts the worker when the WAL reaches `walStartBytes`, and
 * stops it (after a final TRUNCATE checkpoint, which empties the -wal file) once writes have
 * stopped for `idleStopMs`.
 */
import { fstatSync, openSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import { BUSY_TIMEOUT_MS } from "./database.js";

/** What `PRAGMA wal_checkpoint` answers: frames in the WAL, and how many are in the database file. */
interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * The worker: bulk PASSIVE copies; when the WAL in use is past `restartBytes` and only a tail of at
 * most `tailFrames` is left, it asks the main thread for the RESTART and waits for the answer.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { fdatasyncSync } = require("node:fs");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = " + workerData.busyTimeoutMs);
// The -wal file keeps its size after a restart; what is in use is the frames since then.
const frameBytes = db.pragma("page_size", { simple: true }) + 24;
let waitingForMain = false;
const pass = () => {
  if (waitingForMain) return;
  try {
    let result = db.pragma("wal_checkpoint(PASSIVE)")[0];
    // Each pass copies what was written during the one before: a few passes leave a small tail.
    for (let i = 0; i < 4 && result.log - result.checkpointed > workerData.tailFrames; i++)
      result = db.pragma("wal_checkpoint(PASSIVE)")[0];
    if (result.log * frameBytes >= workerData.restartBytes && result.log - result.checkpointed <= workerData.tailFrames) {
      waitingForMain = true;
      // What the passes copied is in the database file, not yet on disk: synced here, the
      // main thread's RESTART has only the tail's pages to sync.
      if (workerData.syncFd !== undefined) {
        try { fdatasyncSync(workerData.syncFd); }
        catch (error) { parentPort.postMessage({ kind: "error", message: "syncing the database file before a restart: " + String(error) }); }
      }
      parentPort.postMessage({ kind: "restart" });
    }
  } catch (error) {
    parentPort.postMessage({ kind: "error", message: String(error) });
  }
};
const timer = setInterval(pass, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message === "restarted") {
    waitingForMain = false;
  } else if (message === "stop") {
    clearInterval(timer);
    try { db.pragma("wal_checkpoint(TRUNCATE)"); } catch {}
    db.close();
    parentPort.postMessage({ kind: "stopped" });
  }
});
`;

export interface CheckpointerOptions {
  /** How often the worker checkpoints, and how often the main thread looks for writes. */
  intervalMs?: number;
  /** The worker stops after this long without a write. */
  idleStopMs?: number;
  /** The worker starts once the -wal file is this large. */
  walStartBytes?: number;
  /**
   * Once this much of the WAL is in use (frames since it last started again), it is started
   * again from its beginning (the main thread's RESTART checkpoint of the tail). It bounds the
   * -wal file's size under load: this plus what is written during one interval.
   */
  restartBytes?: number;
  /** The most frames (pages) the main thread copies in that RESTART: keeps its pause short. */
  tailFrames?: number;
  onError?: (message: string) => void;
}

export interface Checkpointer {
  /** Whether the worker thread is running now (it runs only while the bridge writes). */
  running(): boolean;
  /** How many times the WAL was started again from its beginning. */
  restarts(): number;
  /** The -wal file's size now, in bytes (0 when there is none). */
  walBytes(): number;
  stop(): Promise<void>;
}

/**
 * A read-only descriptor of each database file the workers sync, opened once and never closed
 * while the process lives. Closing any descriptor of a file drops every POSIX lock this process
 * holds on it, SQLite's own included (sqlite.org/howtocorrupt.html, section 2.2), and the
 * bridge's connection holds the file, locked, for as long as it runs. Kept per path and checked
 * against the file now there: when the file was replaced (a test's new database in a reused
 * path), a descriptor of the new one is opened, and the old one stays open too, since a
 * connection may still hold the old file.
 */
const syncDescriptors = new Map<string, number>();

function syncDescriptorFor(file: string): number | undefined {
  const path = resolve(file);
  try {
    const current = statSync(path);
    const kept = syncDescriptors.get(path);
    if (kept !== undefined) {
      const held = fstatSync(kept);
      if (held.ino === current.ino && held.dev === current.dev) return kept;
    }
    const opened = openSync(path, "r");
    syncDescriptors.set(path, opened);
    return opened;
  } catch {
    // No descriptor, no head start: the RESTART syncs everything itself.
    return undefined;
  }
}

/** Starts watching `sqlite` (the bridge's one writing connection) for writes to `file`. */
export function startCheckpointer(
  sqlite: Database.Database,
  file: string,
  {
    intervalMs = 1_000,
    idleStopMs = 30_000,
    walStartBytes = 4 * 2 ** 20,
    restartBytes = 64 * 2 ** 20,
    tailFrames = 256,
    onError = () => {},
  }: CheckpointerOptions = {},
): Checkpointer {
  if (file === ":memory:") {
    return { running: () => false, restarts: () => 0, walBytes: () => 0, stop: async () => {} };
  }
  const driver = fileURLToPath(import.meta.resolve("better-sqlite3"));
  // total_changes(): rows inserted, updated or deleted through this connection since it opened.
  const changes = sqlite.prepare("SELECT total_changes()").pluck();
  const walBytes = () => statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  let seen = changes.get() as number;
  let lastWriteAt = Date.now();
  let worker: Worker | undefined;
  let stopping: Promise<void> | undefined;
  let restarts = 0;

  /**
   * The tail of the checkpoint, on the one writing connection, between two transactions. With
   * no busy wait: a reader elsewhere (a CLI report) makes it skip this turn, never sleep here.
   */
  const restartFromMain = (asking: Worker, attempt = 0): void => {
    if (!sqlite.open) return;
    if (sqlite.inTransaction) {
      if (attempt < 100) setImmediate(() => restartFromMain(asking, attempt + 1));
      else asking.postMessage("restarted");
      return;
    }
    // The connection's own timeout differs for background work (background-work.ts): put back what was there.
    const busyTimeout = sqlite.pragma("busy_timeout", { simple: true }) as number;
    try {
      sqlite.pragma("busy_timeout = 0");
      const [result] = sqlite.pragma("wal_checkpoint(RESTART)") as CheckpointResult[];
      if (result && result.busy === 0) restarts++;
    } catch (error) {
      onError(String(error));
    } finally {
      sqlite.pragma(`busy_timeout = ${busyTimeout}`);
      asking.postMessage("restarted");
    }
  };

  const startWorker = (): Worker => {
    const started = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file,
        intervalMs,
        driver,
        restartBytes,
        tailFrames,
        busyTimeoutMs: BUSY_TIMEOUT_MS,
        syncFd: syncDescriptorFor(file),
      },
    });
    started.unref();
    started.on("message", (message: { kind: string; message?: string }) => {
      if (message.kind === "restart") restartFromMain(started);
      else if (message.kind === "error") onError(String(message.message));
    });
    started.on("error", (error) => onError(String(error)));
    return started;
  };

  const stopWorker = (running: Worker): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = () => resolve();
      const onMessage = (message: { kind: string }) => {
        if (message.kind !== "stopped") return;
        running.off("message", onMessage);
        running.terminate().then(done, done);
      };
      running.on("message", onMessage);
      running.once("exit", done);
      running.postMessage("stop");
      setTimeout(() => running.terminate().then(done, done), 2_000).unref();
    });

  const look = () => {
    if (!sqlite.open || stopping) return;
    const now = Date.now();
    const total = changes.get() as number;
    if (total !== seen) {
      seen = total;
      lastWriteAt = now;
      if (!worker && walBytes() >= walStartBytes) worker = startWorker();
    } else if (worker && now - lastWriteAt >= idleStopMs) {
      const idle = worker;
      worker = undefined;
      void stopWorker(idle);
    }
  };
  const timer = setInterval(look, intervalMs);
  timer.unref();

  return {
    running: () => worker !== undefined,
    restarts: () => restarts,
    walBytes,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        if (worker) await stopWorker(worker);
        worker = undefined;
      })();
      return stopping;
    },
  };
}
