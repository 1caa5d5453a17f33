/**
 * @module
 * What the benchmark ran on, and how busy the machine was with other work: the figures are
 * only comparable within one run, and only meaningful when the other processes were quiet.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { relative, sep } from "node:path";
import { REPO_DIR, sleep } from "./process.js";

export interface Machine {
  nproc: number;
  model: string;
  memoryGiB: number;
  node: string;
  /** The Node every process of the run used (servers and load generators start with process.execPath). */
  runtime: string;
  kernel: string;
  date: string;
}

export function describeMachine(): Machine {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown";
  let kernel = "unknown";
  try {
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {}
  return {
    nproc: cpus().length,
    model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    runtime: describeRuntime(),
    kernel,
    date: new Date().toISOString(),
  };
}

/**
 * "Node v24.22.3 (V8 13.6.233.17, ABI 137), the pinned one in tools/node": the runtime decides
 * the figures as much as the machine does, and this repository may run on either of two.
 */
function describeRuntime(): string {
  const where = relative(REPO_DIR, process.execPath);
  const source = where.startsWith(`tools${sep}node${sep}`)
    ? "the pinned one in tools/node (scripts/node-runtime.mjs)"
    : `the machine's own, ${process.execPath}`;
  return `Node ${process.version} (V8 ${process.versions.v8}, ABI ${process.versions.modules}), ${source}`;
}

function cpuTimes(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

/** CPU in use machine-wide over `ms`, in cores (0 … nproc). */
export async function busyCores(ms: number): Promise<number> {
  const before = cpuTimes();
  await sleep(ms);
  const after = cpuTimes();
  const total = after.total - before.total;
  return total > 0 ? ((after.busy - before.busy) / total) * cpus().length : 0;
}

/**
 * Waits (bounded) until other processes use less than `threshold` cores while our servers
 * idle, and returns the last reading, so each figure can say how busy the machine was.
 */
export async function waitForQuiet(threshold = 0.25, maxWaitMs = 10_000): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let reading = await busyCores(400);
  while (reading > threshold && Date.now() < deadline) reading = await busyCores(400);
  return reading;
}

export function loadAverage(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

function processTicks(pid: number | "self", children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    // After the command: state(0) … utime(11) stime(12) cutime(13) cstime(14).
    const own = (fields[11] ?? 0) + (fields[12] ?? 0);
    return children ? (fields[13] ?? 0) + (fields[14] ?? 0) : own;
  } catch {
    return 0;
  }
}

/** The pids of every process whose command name (`/proc/<pid>/comm`) is `command`. */
export function pidsOf(command: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === command) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/**
 * Accounts the CPU time of some processes, in seconds: `stop()` gives each group's time since
 * the start. Groups are asked again at the end, so a process started meanwhile (a new
 * PostgreSQL backend) counts whole; one that ended meanwhile loses its time.
 */
export function watchProcesses<K extends string>(
  groups: Record<K, () => number[]>,
): { stop(): Record<K, number> } {
  const names = Object.keys(groups) as K[];
  const start = new Map<number, number>();
  for (const name of names) for (const pid of groups[name]()) start.set(pid, processTicks(pid));
  return {
    stop() {
      const seconds = {} as Record<K, number>;
      for (const name of names) {
        let ticks = 0;
        for (const pid of groups[name]()) ticks += processTicks(pid) - (start.get(pid) ?? 0);
        // /proc counts in USER_HZ, 100 per second on Linux whatever the kernel's tick.
        seconds[name] = ticks / 100;
      }
      return seconds;
    },
  };
}

export interface CpuShare {
  /** Cores busy machine-wide during the measurement. */
  busyCores: number;
  /** Cores used by the server under test, the load generator and this runner. */
  oursCores: number;
  /** Cores used by everything else (other people's work on a shared machine). */
  otherCores: number;
}

/**
 * Starts accounting CPU for one measurement. The load generator must have exited (and
 * been waited for) before `stop()`, so its time shows in this runner's children's time.
 */
export function watchCpu(serverPid: number): { stop(): CpuShare } {
  const start = {
    machine: cpuTimes(),
    server: processTicks(serverPid),
    self: processTicks("self"),
    children: processTicks("self", true),
  };
  return {
    stop() {
      const machine = cpuTimes();
      const total = machine.total - start.machine.total;
      if (total <= 0) return { busyCores: 0, oursCores: 0, otherCores: 0 };
      const nproc = cpus().length;
      const perCore = total / nproc;
      const busy = (machine.busy - start.machine.busy) / perCore;
      const ours =
        (processTicks(serverPid) -
          start.server +
          processTicks("self") -
          start.self +
          processTicks("self", true) -
          start.children) /
        perCore;
      return { busyCores: busy, oursCores: ours, otherCores: Math.max(0, busy - ours) };
    },
  };
}
