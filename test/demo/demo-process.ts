/**
 * @module
 * `npm run demo` as a user starts it, for the demo and quickstart tests: its own process group
 * (so SIGINT to the group is a terminal's Ctrl-C), output in a file, the state file it writes
 * read back, and a check that nothing it started outlives it.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { DemoState } from "../../demo/main.js";
import { REPO_ROOT } from "../e2e/support.js";
import { waitUntil } from "../harness/ports.js";

const run = promisify(execFile);

export interface DemoProcess {
  child: ChildProcess;
  stateFile: string;
  output(): string;
  state(): DemoState;
  /** Runs `npm run demo -- <args>` against this demo; resolves with its stdout. */
  command(...args: string[]): Promise<string>;
  /** Waits for a line of narration. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  /**
   * Ctrl-C: SIGINT to the process group; resolves once npm has exited (npm itself then dies of
   * the SIGINT, as it does in a terminal; the demo's own exit shows in its output).
   */
  interrupt(): Promise<void>;
  /** Last resort in afterAll: SIGKILL to the group. */
  kill(): void;
}

export function startDemoProcess(dir: string, args: string[] = ["--fast"]): DemoProcess {
  const stateFile = join(dir, "demo-state.json");
  const outputFile = join(dir, "demo.out");
  const fd = openSync(outputFile, "a");
  const env = { ...process.env, RUNBRIDGE_DEMO_STATE: stateFile };
  const child = spawn("npm", ["run", "--silent", "demo", "--", ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code) => {
      exitCode = code;
      resolve();
    });
  });
  const output = () => (existsSync(outputFile) ? readFileSync(outputFile, "utf8") : "");
  const pgid = child.pid as number;
  return {
    child,
    stateFile,
    output,
    state: () => JSON.parse(readFileSync(stateFile, "utf8")) as DemoState,
    async command(...commandArgs) {
      const { stdout } = await run("npm", ["run", "--silent", "demo", "--", ...commandArgs], {
        cwd: REPO_ROOT,
        env,
        timeout: 60_000,
      });
      return stdout;
    },
    async waitForOutput(text, timeoutMs = 60_000) {
      await waitUntil(() => output().includes(text), {
        what: `"${text}" in the demo's output`,
        timeoutMs,
        intervalMs: 200,
        failFast: () =>
          exitCode === undefined ? undefined : `the demo exited (${exitCode}):\n${output().slice(-3000)}`,
      });
    },
    async interrupt() {
      process.kill(-pgid, "SIGINT");
      return exited;
    },
    kill() {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}

/** Processes whose command line mentions `text` (from /proc), excluding this one. */
export function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(text)) found.push(`${entry}: ${cmdline}`);
    } catch {
      // gone while we looked
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
