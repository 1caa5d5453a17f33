/**
 * @module
 * Idle memory of the compiled bridge, started exactly as `npm start` starts it: the build in
 * dist/ (built first when its sources changed), plain Node with the bridge's flags
 * and environment (scripts/bridge-node-flags.mjs), no tsx. Read 5 s after it is ready, before any request.
 * Beside VmRSS it reports RssAnon: the part private to the process. The rest is mostly the
 * Node binary's own pages mapped from disk (shared, and dropped by the kernel under pressure).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BRIDGE_ENV, BRIDGE_NODE_FLAGS } from "../scripts/bridge-node-flags.mjs";
import { REPO_DIR, runCommand, sleep } from "./process.js";

export interface CompiledIdle {
  flags: string[];
  rss: number;
  rssAnon: number;
  rssFile: number;
}

function statusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, "m").exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

export async function measureCompiledIdle(env: Record<string, string>): Promise<CompiledIdle> {
  const build = await runCommand(
    process.execPath,
    [join(REPO_DIR, "scripts/build-bridge.mjs"), "--if-changed"],
    {
      timeoutMs: 300_000,
    },
  );
  if (build.code !== 0) throw new Error(`scripts/build-bridge.mjs failed:\n${build.stdout}${build.stderr}`);
  const child = spawn(process.execPath, [...BRIDGE_NODE_FLAGS, join(REPO_DIR, "dist/bridge/main.js")], {
    cwd: REPO_DIR,
    env: { ...process.env, ...BRIDGE_ENV, ...env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(
        () => reject(new Error(`the compiled bridge was not ready in 30 s:\n${output}`)),
        30_000,
      );
      const look = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("runbridge listening on")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", look);
      child.stderr?.on("data", look);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the compiled bridge exited (${code}) before it was ready:\n${output}`));
      });
    });
    await sleep(5_000);
    const pid = child.pid as number;
    return {
      flags: BRIDGE_NODE_FLAGS,
      rss: statusKb(pid, "VmRSS"),
      rssAnon: statusKb(pid, "RssAnon"),
      rssFile: statusKb(pid, "RssFile"),
    };
  } finally {
    child.kill("SIGTERM");
  }
}
