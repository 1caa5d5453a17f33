/**
 * @module
 * Runs the real `runbridge` command (`node bin/runbridge.js ...`) the way a user or CI does,
 * and returns its exit code and both output streams.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const bin = fileURLToPath(new URL("../../bin/runbridge.js", import.meta.url));
export const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  input?: string;
  env?: Record<string, string>;
}

export function runbridge(args: readonly string[], options: CliOptions = {}): CliRun {
  const { RUNBRIDGE_RUNBOOKS: _ignored, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    input: options.input ?? "",
    env: { ...inherited, ...options.env },
    encoding: "utf8",
    timeout: 20_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Like `runbridge`, without blocking this process: for commands that talk to a bridge
 * running in the test's own process (a blocked event loop could not answer them).
 */
export function runbridgeAsync(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const {
    RUNBRIDGE_RUNBOOKS: _ignored,
    RUNBRIDGE_API_TOKEN: _token,
    RUNBRIDGE_URL: _url,
    ...inherited
  } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...inherited, ...options.env },
      timeout: 30_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}
