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
 * The worker also reads ahead of the writer. Once the WAL starts again, every commit overwrites
 * blocks the -wal file already has, and a WAL frame (24 bytes of header and a page) never fills
 * whole blocks: when a block is no longer in the page cache, ext4 reads it from disk before the
 * write can go on, inside the main thread's COMMIT. Proactive reclaim evicts such pages even on a
 * machine with free memory (these machines run DAMON's pageout of cold page cache, which judges
 * a whole region of physical memory at once): at 1,000 decisions/s, `perf` caught the main thread
 * waiting 5–19 ms in `walWriteOneFrame` → `ext4_block_write_begin` for such reads, the stalls
 * behind the bridge's worst p99.9 rounds. So every `readAheadMs` the worker reads the next
 * `readAheadBytes` past the writer (its position is the wal-index header's `mxFrame`, read from
 * the -shm file; sqlite.org/walformat.html), and the WAL's beginning once the writer nears the
 * restart: an evicted block is then read back on the worker's thread, not in a request.
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
const { fdatasyncSync, readSync } = require("node:fs");
const { endianness } = require("node:os");
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

// The read-ahead: the writer is at 32 + mxFrame * frameBytes in the -wal file. mxFrame is a u32 at
// offset 16 of the wal-index header (the -shm file's first 48 bytes), in the machine's byte order.
// Read without SQLite's locks, it may be a moment old: only a hint of where to read.
const indexHeader = Buffer.alloc(48);
const scratch = Buffer.allocUnsafe(2 ** 20);
const littleEndian = endianness() === "LE";
let readUpTo = 0;
let lastFrames = 0;
let beginningRead = false;
let readAheadBytes = 0;
let readAheadFailed = false;
const readRange = (from, to) => {
  let at = from;
  while (at < to) {
    const got = readSync(workerData.walFd, scratch, 0, Math.min(scratch.length, to - at), at);
    if (got <= 0) break;
    at += got;
    readAheadBytes += got;
  }
  return at;
};
const readAhead = () => {
  try {
    if (readSync(workerData.shmFd, indexHeader, 0, 48, 0) < 48) return;
    const frames = littleEndian ? indexHeader.readUInt32LE(16) : indexHeader.readUInt32BE(16);
    if (frames < lastFrames) {
      // The WAL started again from its beginning, which was read ahead already (below).
      readUpTo = beginningRead ? workerData.readAheadBytes : 0;
      beginningRead = false;
    }
    lastFrames = frames;
    const writer = 32 + frames * frameBytes;
    readUpTo = readRange(Math.max(readUpTo, writer), writer + workerData.readAheadBytes);
    if (!beginningRead && writer + workerData.readAheadBytes >= workerData.restartBytes) {
      beginningRead = true;
      readRange(0, workerData.readAheadBytes);
    }
  } catch (error) {
    if (!readAheadFailed) parentPort.postMessage({ kind: "error", message: "reading the WAL ahead of the writer: " + String(error) });
    readAheadFailed = true;
  }
};
const readAheadTimer = workerData.walFd !== undefined && workerData.shmFd !== undefined
  ? setInterval(readAhead, workerData.readAheadMs)
  : undefined;
const reportTimer = setInterval(() => parentPort.postMessage({ kind: "read-ahead", bytes: readAheadBytes }), workerData.intervalMs);

parentPort.on("message", (message) => {
  if (message === "restarted") {
    waitingForMain = false;
  } else if (message === "stop") {
    clearInterval(timer);
    clearInterval(readAheadTimer);
    clearInterval(reportTimer);
    parentPort.postMessage({ kind: "read-ahead", bytes: readAheadBytes });
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
  /** How far past the writer the worker keeps the -wal file read, and how often it looks. */
  readAheadBytes?: number;
  readAheadMs?: number;
  onError?: (message: string) => void;
}

export interface Checkpointer {
  /** Whether the worker thread is running now (it runs only while the bridge writes). */
  running(): boolean;
  /** How many times the WAL was started again from its beginning. */
  restarts(): number;
  /** The -wal file's size now, in bytes (0 when there is none). */
  walBytes(): number;
  /** Bytes of the -wal file the workers read ahead of the writer so far (the last report of each). */
  readAheadBytes(): number;
  stop(): Promise<void>;
}

/**
 * A read-only descriptor of each file the workers use (the database file they sync, the -wal and
 * -shm files they read ahead from), opened once and never closed while the process lives.
 * Closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's own
 * included (sqlite.org/howtocorrupt.html, section 2.2), and the bridge's connection holds the
 * file, locked, for as long as it runs. Kept per path and checked
 * against the file now there: when the file was replaced (a test's new database in a reused
 * path), a descriptor of the new one is opened, and the old one stays open too, since a
 * connection may still hold the old file.
 */
const keptDescriptors = new Map<string, number>();

function keptDescriptorFor(file: string): number | undefined {
  const path = resolve(file);
  try {
    const current = statSync(path);
    const kept = keptDescriptors.get(path);
    if (kept !== undefined) {
      const held = fstatSync(kept);
      if (held.ino === current.ino && held.dev === current.dev) return kept;
    }
    const opened = openSync(path, "r");
    keptDescriptors.set(path, opened);
    return opened;
  } catch {
    // No descriptor, no head start: the RESTART syncs everything itself, and the writer's
    // reads of evicted blocks are not done ahead of it.
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
    // 8 MB is ~250 ms of writing at 1,000 decisions/s; looked at every 100 ms, a block is read
    // ahead at most ~250 ms before the writer reaches it, so little time is left to evict it again.
    readAheadBytes = 8 * 2 ** 20,
    readAheadMs = 100,
    onError = () => {},
  }: CheckpointerOptions = {},
): Checkpointer {
  if (file === ":memory:") {
    return {
      running: () => false,
      restarts: () => 0,
      walBytes: () => 0,
      readAheadBytes: () => 0,
      stop: async () => {},
    };
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
  /** Read ahead by every worker so far, as each last reported. */
  let readAheadTotal = 0;

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
        readAheadBytes,
        readAheadMs,
        syncFd: keptDescriptorFor(file),
        walFd: keptDescriptorFor(`${file}-wal`),
        shmFd: keptDescriptorFor(`${file}-shm`),
      },
    });
    started.unref();
    let reported = 0;
    started.on("message", (message: { kind: string; message?: string; bytes?: number }) => {
      if (message.kind === "restart") restartFromMain(started);
      else if (message.kind === "read-ahead") {
        readAheadTotal += (message.bytes ?? reported) - reported;
        reported = message.bytes ?? reported;
      } else if (message.kind === "error") onError(String(message.message));
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
    readAheadBytes: () => readAheadTotal,
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
