// Child processes for the end-to-end harness: output goes to a log file (whose tail ends up in
// every error), each child leads its own process group (so close() also takes any grandchildren),
// and nothing outlives the test worker, however that worker ends.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type WaitOptions, waitUntil } from "./ports.js";

/** Set RUNBRIDGE_HARNESS_KEEP=1 to keep temp dirs (configs, data, logs) after close() for debugging. */
const keepTempDirs = process.env.RUNBRIDGE_HARNESS_KEEP === "1";

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `runbridge-${prefix}-`));
}

export async function removeTempDir(dir: string): Promise<void> {
  if (!keepTempDirs) await rm(dir, { recursive: true, force: true });
}

export interface StartProcessOptions {
  /** Short label for errors and the log file name ("alertmanager-0"). */
  name: string;
  command: string;
  args: string[];
  /** Directory that receives `<name>.log`; usually the launcher's temp dir. */
  logDir: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Set once the process has exited: "exit code 1" or "signal SIGTERM". */
  readonly exitReason: string | undefined;
  /** The last `lines` lines of combined stdout/stderr. */
  tail(lines?: number): string;
  /** waitUntil, but fails at once if the process exits, and any failure carries the log tail. */
  waitUntil<T>(check: () => Promise<T | undefined | false>, options: WaitOptions): Promise<T>;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when the process is gone. */
  close(graceMs?: number): Promise<void>;
}

// Process groups still running; killed synchronously if the worker exits without close().
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous, so no grace period here: SIGKILL the whole group.
  process.on("exit", () => {
    for (const pgid of liveGroups) killGroup(pgid, "SIGKILL");
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}

/**
 * 'exit' does not run when the worker is killed by a signal (vitest timeouts, Ctrl-C, SIGKILL).
 * A detached shell polls our pid and kills the child's group once we are gone; close() kills it.
 */
function startWatchdog(pgid: number): ChildProcess {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -KILL -${pgid} 2>/dev/null`;
  const watchdog = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
  watchdog.unref();
  return watchdog;
}

export function startProcess(options: StartProcessOptions): ManagedProcess {
  installExitHook();
  const logFile = join(options.logDir, `${options.name}.log`);
  // The child writes straight into the file: no pipes to drain, and the log survives a crash.
  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", fd, fd],
      detached: true, // own process group: kill(-pid) reaches everything it starts
    });
  } finally {
    closeSync(fd);
  }
  let exitReason: string | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("error", (error) => {
      spawnError = error; // e.g. ENOENT: binary not installed
      exitReason ??= `failed to start: ${error.message}`;
      resolve();
    });
    child.once("exit", (code, signal) => {
      exitReason = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    // spawn() reports ENOENT asynchronously but leaves pid undefined synchronously.
    throw new Error(`${options.name}: could not spawn ${options.command} (is it installed?)`);
  }
  // Stays registered until close(), even after the leader exits: grandchildren may remain in the group.
  liveGroups.add(pid);
  const watchdog = startWatchdog(pid);

  const tail = (lines = 40): string => {
    try {
      return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  };
  const describe = (message: string): Error =>
    new Error(`${options.name} (pid ${pid}): ${message}\n--- last lines of ${logFile} ---\n${tail()}`);

  let closing: Promise<void> | undefined;
  return {
    name: options.name,
    pid,
    logFile,
    get exitReason() {
      return exitReason;
    },
    tail,
    async waitUntil(check, waitOptions) {
      try {
        return await waitUntil(check, {
          ...waitOptions,
          failFast: () => (exitReason === undefined ? waitOptions.failFast?.() : `process ${exitReason}`),
        });
      } catch (error) {
        throw describe(error instanceof Error ? error.message : String(error));
      }
    },
    close(graceMs = 5_000) {
      closing ??= (async () => {
        if (exitReason === undefined && spawnError === undefined) {
          killGroup(pid, "SIGTERM");
          const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
          await exited;
          clearTimeout(timer);
        }
        killGroup(pid, "SIGKILL"); // leftovers in the group, if the leader spawned any
        liveGroups.delete(pid);
        watchdog.kill("SIGKILL");
      })();
      return closing;
    },
  };
}
