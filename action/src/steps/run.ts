/**
 * @module
 * The `run` step: the runbook's script is written to a file and run by bash or sh. Nothing of
 * the alert is pasted into that file; alert data arrives only through the environment.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedRunStep } from "../../../bridge/runbooks/resolved-runbook.js";

/** How long a stopped script gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 5_000;

export interface RunScriptOptions {
  env: Record<string, string>;
  /** Where the script file is written (a private folder is made inside). */
  workDir: string;
  cwd?: string;
  signal: AbortSignal;
  onOutput: (chunk: Buffer) => void;
}

function shellCommand(step: Pick<ResolvedRunStep, "shell">, file: string): [string, string[]] {
  // The same flags GitHub uses for `shell: bash` / `shell: sh`: fail on the first error.
  return step.shell === "sh"
    ? ["sh", ["-e", file]]
    : ["bash", ["--noprofile", "--norc", "-eo", "pipefail", file]];
}

/**
 * Runs the step's script and resolves when it exits 0.
 * @throws Error saying how the script ended (exit code or signal)
 */
export function runScript(
  step: Pick<ResolvedRunStep, "run" | "shell">,
  options: RunScriptOptions,
): Promise<void> {
  const dir = mkdtempSync(join(options.workDir, "step-"));
  const file = join(dir, "script.sh");
  writeFileSync(file, step.run, { mode: 0o700 });
  const [command, args] = shellCommand(step, file);
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so a timeout stops the script's children too.
      detached: true,
    });
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      signalGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
    };
    if (options.signal.aborted) stop();
    else options.signal.addEventListener("abort", stop, { once: true });
    child.stdout.on("data", options.onOutput);
    child.stderr.on("data", options.onOutput);
    child.once("error", (error) => {
      finish();
      reject(new Error(`could not start ${command}: ${error.message}`));
    });
    child.once("close", (code, signal) => {
      finish();
      if (code === 0) resolve();
      else if (signal) reject(new Error(`script was stopped by ${signal}`));
      else reject(new Error(`script exited with code ${code}`));
    });
    function finish() {
      options.signal.removeEventListener("abort", stop);
      if (killTimer) clearTimeout(killTimer);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}
