/**
 * @module
 * Child processes for the benchmark: servers under test and load generators each run in
 * their own process, never in the runner's. Every wait is bounded in time.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
export const REPO_DIR = fileURLToPath(new URL("..", import.meta.url));

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** The last lines the server wrote to stderr (for error messages). */
  stderrTail(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills whatever is still running (by pid) when the runner fails. */
export function killAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {}
    }
  }
}

function collectTail(child: ChildProcess, limit = 4_000): () => string {
  let tail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-limit);
  });
  return () => tail;
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Node with tsx, running a TypeScript file directly (one process: its pid is the server's). */
export function nodeTs(file: string, args: string[] = [], nodeFlags: string[] = []): [string, string[]] {
  return [process.execPath, [...nodeFlags, "--import", "tsx", file, ...args]];
}

export async function startServer(
  name: string,
  file: string,
  options: {
    args?: string[];
    env?: Record<string, string>;
    nodeFlags?: string[];
    readyTimeoutMs?: number;
  } = {},
): Promise<ServerProcess> {
  const [command, args] = nodeTs(file, options.args, options.nodeFlags);
  const child = spawn(command, args, {
    cwd: REPO_DIR,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const stderrTail = collectTail(child);
  const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(
      () =>
        reject(
          new Error(`${name} did not start within ${options.readyTimeoutMs ?? 30_000} ms:\n${stderrTail()}`),
        ),
      options.readyTimeoutMs ?? 30_000,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          const message = JSON.parse(line) as { ready?: boolean; url?: string; pid?: number };
          if (message.ready && message.url) {
            clearTimeout(timer);
            resolve({ url: message.url, pid: message.pid ?? (child.pid as number) });
          }
        } catch {}
      }
      buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${stderrTail()}`));
    });
  });
  if (ready.pid !== child.pid) throw new Error(`${name}: reported pid ${ready.pid}, spawned ${child.pid}`);
  return {
    name,
    url: ready.url,
    pid: ready.pid,
    stderrTail,
    async stop() {
      child.kill("SIGTERM");
      if (!(await waitExit(child, 10_000))) {
        child.kill("SIGKILL");
        await waitExit(child, 5_000);
      }
    },
  };
}

/** Runs a command to completion (bounded), returning stdout; `onLine` sees stdout lines as they come. */
export function runCommand(
  command: string,
  args: string[],
  options: { timeoutMs: number; onLine?: (line: string, child: ChildProcess) => void },
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_DIR, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let stdout = "";
    let stderr = "";
    let partial = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      if (!options.onLine) return;
      partial += text;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) options.onLine(line, child);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8_000);
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} ran longer than ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ stdout, stderr, code });
    });
  });
}

/** Resident set size of a process in bytes, from /proc/<pid>/status (VmRSS). */
export function readRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
