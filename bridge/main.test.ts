// startBridge's lifecycle against real resources: a SQLite file, a loopback port another
// listener already holds, and the `runbridge serve` command as its own process.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../test/github-emulator/index.js";
import { StartError } from "./lifecycle.js";
import { startBridge } from "./main.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Files under `dir` this process holds open (the database, its -wal and -shm, the checkpointer's). */
function openFilesUnder(dir: string): string[] {
  const open: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) open.push(target);
    } catch {
      // closed between the listing and the read
    }
  }
  return open;
}

async function takePort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

let dir: string;
let gh: GitHubEmulator;
let taken: Server | undefined;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "runbridge-main-"));
  gh = await createGitHubEmulator();
});
afterEach(async () => {
  await new Promise<void>((resolve) => (taken ? taken.close(() => resolve()) : resolve()));
  taken = undefined;
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Real GitHub mode against the emulator, so the outbox worker and the reconciler are part of the start. */
function env(port: number): Record<string, string> {
  return {
    PORT: String(port),
    HOST: "127.0.0.1",
    RUNBRIDGE_DB: join(dir, "runbridge.db"),
    RUNBRIDGE_RUNBOOKS: join(ROOT, "runbooks"),
    GITHUB_TOKEN: "ghs_test",
    GITHUB_REPOSITORY: "acme/infra",
    GITHUB_API_URL: gh.url,
    RUNBRIDGE_DRY_RUN: "false",
    RUNBRIDGE_RECONCILE_INTERVAL: "1s",
    LOG_LEVEL: "debug",
  };
}

function capture(): { lines: { msg: string; part?: string }[]; write(line: string): void } {
  const lines: { msg: string; part?: string }[] = [];
  return { lines, write: (line) => lines.push(JSON.parse(line)) };
}

describe("startBridge", () => {
  it("rejects when its port is taken, after closing the database and starting no worker", async () => {
    const held = await takePort();
    taken = held.server;
    const log = capture();
    const failure = await startBridge({ env: env(held.port), logDestination: log }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StartError);
    expect((failure as Error).message).toBe(
      `cannot start the HTTP server: 127.0.0.1:${held.port} is already in use (EADDRINUSE): stop the process listening there, or set PORT to a free port`,
    );
    // What had started was stopped, last first; the workers come after the port and never ran.
    expect(log.lines.filter((line) => line.msg.startsWith("stopped the ")).map((line) => line.part)).toEqual([
      "console feed",
      "metrics",
      "timers lease",
      "WAL checkpointer",
      "database",
    ]);
    expect(openFilesUnder(dir)).toEqual([]);
    // The reconciler would have listed runs within its 1 s interval; the outbox would have
    // released in-flight rows and polled. Nothing reached GitHub.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(gh.requests).toEqual([]);
  });

  it("stops every part on close: workers, server, checkpointer and database", async () => {
    const log = capture();
    const bridge = await startBridge({ env: env(0), logDestination: log });
    expect(openFilesUnder(dir).length).toBeGreaterThan(0);
    expect((await fetch(`${bridge.url}/healthz`)).status).toBe(200);
    await bridge.close();
    expect(openFilesUnder(dir)).toEqual([]);
    // The retention pruner (RUNBRIDGE_RETENTION, 90 days by default) stops before the database closes.
    const stopped = log.lines.filter((line) => line.msg.startsWith("stopped the ")).map((line) => line.part);
    expect(stopped.indexOf("retention pruner")).toBeGreaterThanOrEqual(0);
    expect(stopped.indexOf("retention pruner")).toBeLessThan(stopped.indexOf("database"));
    await expect(fetch(`${bridge.url}/healthz`)).rejects.toThrow();
    // Another bridge can take the port again at once.
    const again = await startBridge({
      env: { ...env(Number(new URL(bridge.url).port)), RUNBRIDGE_DB: join(dir, "second.db") },
      logDestination: capture(),
    });
    await again.close();
  });
});

describe("runbridge serve", () => {
  it("exits 1 with the reason when its port is taken", async () => {
    const held = await takePort();
    taken = held.server;
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, "bin/runbridge.js"), "serve"],
        // Only what the test says: no GITHUB_* or RUNBRIDGE_* from the developer's shell.
        { env: { PATH: process.env.PATH ?? "", ...env(held.port), LOG_LEVEL: "silent" }, timeout: 20_000 },
        (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `runbridge: cannot start the HTTP server: 127.0.0.1:${held.port} is already in use (EADDRINUSE): stop the process listening there, or set PORT to a free port\n`,
    );
  });
});
