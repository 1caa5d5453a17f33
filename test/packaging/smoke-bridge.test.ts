/**
 * scripts/smoke-bridge.mjs is what image.yml runs against the freshly built container; here it
 * runs against the real bridge on loopback (the shipped runbooks, a temporary SQLite file, no
 * GitHub credentials, so dry-run), and must fail when the bridge does not decide as it should.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningBridge, startBridge } from "../../bridge/main.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = join(root, "scripts/smoke-bridge.mjs");
const TOKEN = "smoke-test-token";

function smoke(env: Record<string, string>) {
  return run(process.execPath, [SCRIPT], {
    env: { PATH: process.env.PATH ?? "", RUNBRIDGE_SMOKE_WAIT: "5", ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe("scripts/smoke-bridge.mjs", () => {
  let dir: string;
  let bridge: RunningBridge;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "runbridge-smoke-"));
    bridge = await startBridge({
      env: {
        PORT: "0",
        HOST: "127.0.0.1",
        RUNBRIDGE_DB: join(dir, "runbridge.db"),
        RUNBRIDGE_RUNBOOKS: join(root, "runbooks"),
        RUNBRIDGE_ALERTMANAGER_TOKEN: TOKEN,
        LOG_LEVEL: "silent",
      },
    });
  });

  afterAll(async () => {
    await bridge?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("passes against a bridge that answers its probes and decides the alert in dry-run", async () => {
    const result = await smoke({ RUNBRIDGE_URL: bridge.url, RUNBRIDGE_ALERTMANAGER_TOKEN: TOKEN });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("/healthz answers");
    expect(result.stdout).toContain("/readyz answers");
    expect(result.stdout).toContain("refused (401)");
    expect(result.stdout).toMatch(/decided in dry-run: \S+ nginx-down dry_run/);
  });

  it("fails when the bridge refuses its token", async () => {
    const result = await smoke({ RUNBRIDGE_URL: bridge.url, RUNBRIDGE_ALERTMANAGER_TOKEN: "not-the-token" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the posted alert got 401");
  });

  it("fails when the alert routes to a different runbook than expected", async () => {
    const result = await smoke({
      RUNBRIDGE_URL: bridge.url,
      RUNBRIDGE_ALERTMANAGER_TOKEN: TOKEN,
      RUNBRIDGE_SMOKE_RUNBOOK: "no-such-runbook",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no execution of no-such-runbook");
  });

  it("fails, naming the address, when nothing answers", async () => {
    const result = await smoke({
      RUNBRIDGE_URL: "http://127.0.0.1:9",
      RUNBRIDGE_ALERTMANAGER_TOKEN: TOKEN,
      RUNBRIDGE_SMOKE_WAIT: "1",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("http://127.0.0.1:9/healthz did not answer 200 within 1s");
  });
});
