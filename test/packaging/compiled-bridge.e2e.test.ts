/**
 * The build `npm run build`, `npm start` and the Dockerfile share (scripts/build-bridge.mjs)
 * gives a bridge that plain `node` starts: no tsx, no loader, only the bundle (dist/bridge/main.js)
 * and the files it reads at run time (SQL migrations, console assets). The compiled bridge runs on the
 * runtime this suite runs on (Node 24 or newer), on loopback with a temporary SQLite file, and
 * records an Alertmanager webhook.
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BRIDGE_NODE_FLAGS } from "../../scripts/bridge-node-flags.mjs";
import { fixture } from "../fixtures/alertmanager/index.js";
import { freePort, LOOPBACK, waitForHttp } from "../harness/ports.js";
import { type ManagedProcess, makeTempDir, removeTempDir, startProcess } from "../harness/processes.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  engines: { node: string };
};
const TOKEN = "compiled-bridge-token";

describe("the compiled bridge", () => {
  let out: string;
  let work: string;
  let bridge: ManagedProcess;
  let url: string;

  beforeAll(async () => {
    // Inside the repository, like dist/: node_modules and package.json's "type": "module" apply.
    mkdirSync(join(root, ".tmp"), { recursive: true });
    out = mkdtempSync(join(root, ".tmp", "build-"));
    const build = spawnSync(process.execPath, [join(root, "scripts/build-bridge.mjs"), "--out-dir", out], {
      cwd: root,
      encoding: "utf8",
    });
    expect(build.status, `scripts/build-bridge.mjs failed:\n${build.stdout}${build.stderr}`).toBe(0);

    work = await makeTempDir("compiled-bridge");
    const port = await freePort();
    url = `http://${LOOPBACK}:${port}`;
    bridge = startProcess({
      name: "compiled-bridge",
      // Plain node with the bridge's flags, as `npm start` runs it: no --import tsx, and no
      // NODE_OPTIONS from the test runner's environment.
      command: process.execPath,
      args: [...BRIDGE_NODE_FLAGS, join(out, "bridge/main.js")],
      cwd: root,
      logDir: work,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        HOST: LOOPBACK,
        PORT: String(port),
        RUNBRIDGE_DB: join(work, "runbridge.db"),
        RUNBRIDGE_RUNBOOKS: join(root, "runbooks"),
        RUNBRIDGE_ALERTMANAGER_TOKEN: TOKEN,
        LOG_LEVEL: "debug",
      },
    });
    await bridge.waitUntil(() => waitForHttp(`${url}/readyz`, { what: "ready", timeoutMs: 500 }), {
      what: `the compiled bridge ready at ${url}/readyz`,
      timeoutMs: 30_000,
    });
  }, 240_000);

  afterAll(async () => {
    await bridge?.close();
    if (work) await removeTempDir(work);
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it("runs on the Node that package.json's engines asks for", () => {
    const floor = Number(/^>=\s*(\d+)/.exec(packageJson.engines.node)?.[1]);
    expect(floor).toBeGreaterThanOrEqual(24);
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(floor);
  });

  it("is built with the SQL migrations and console assets next to the compiled modules", () => {
    for (const file of [
      "bridge/main.js",
      "bridge/store/migrations/meta/_journal.json",
      "bridge/http/console/index.html",
    ]) {
      expect(existsSync(join(out, file)), `${file} is missing from the build`).toBe(true);
    }
    expect(existsSync(join(out, "bridge/main.ts"))).toBe(false);
  });

  it("is one bundle: the bridge's modules are inside main.js, only the native SQLite driver is imported", () => {
    expect(existsSync(join(out, "bridge/store/database.js"))).toBe(false);
    expect(existsSync(join(out, "bridge/main.js.map"))).toBe(true);
    const bundle = readFileSync(join(out, "bridge/main.js"), "utf8");
    const packages = new Set(
      [...bundle.matchAll(/\b(?:from\s*|import\s*\(\s*)"((?:@[\w.-]+\/)?[\w.-]+(?:\/[\w.-]+)*)"/g)]
        .map((match) => match[1] as string)
        // Node's own modules, with or without node: (postgres.js imports "net", "tls", …).
        .filter((name) => !isBuiltin(name) && !name.startsWith(".")),
    );
    expect([...packages]).toEqual(["better-sqlite3"]);
  });

  it("refuses a webhook without Alertmanager's credentials", async () => {
    const response = await fetch(`${url}/webhook/alertmanager`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fixture("firing")),
    });
    expect(response.status).toBe(401);
  });

  it("decides a posted alert, answers with the execution and records it", async () => {
    const response = await fetch(`${url}/webhook/alertmanager`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(fixture("firing")),
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      executions: { id: string; runbook: string | null; state: string }[];
    };
    expect(answer.executions).toHaveLength(1);
    const [decided] = answer.executions;
    // No GitHub credentials: the bridge decides and records, and dispatches nothing.
    expect(decided).toMatchObject({ runbook: "nginx-down", state: "dry_run" });

    const listed = (await (await fetch(`${url}/api/executions`)).json()) as {
      executions: { id: string; fingerprint: string; alertname: string; runbook: string; state: string }[];
    };
    expect(listed.executions).toEqual([
      expect.objectContaining({
        id: decided?.id,
        fingerprint: "5c2bd3a8e1f04a77",
        alertname: "NginxDown",
        runbook: "nginx-down",
        state: "dry_run",
      }),
    ]);
  });

  it("serves the console from the copied assets", async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(readFileSync(join(root, "bridge/http/console/index.html"), "utf8"));
  });

  it("collects the garbage of starting once, and holds less heap afterwards", async () => {
    const settled = await bridge.waitUntil(
      async () => {
        const line = readFileSync(bridge.logFile, "utf8")
          .split("\n")
          .find((entry) => entry.includes('"startup garbage collected"'));
        if (!line) return undefined;
        return JSON.parse(line) as { heapTotalBefore: number; heapTotalAfter: number; pauseMs: number };
      },
      { what: "the startup collection", timeoutMs: 10_000 },
    );
    expect(settled.heapTotalAfter).toBeLessThan(settled.heapTotalBefore);
    expect(settled.pauseMs).toBeGreaterThanOrEqual(0);
  });

  it("stops cleanly on SIGTERM", async () => {
    await bridge.close(10_000);
    expect(bridge.exitReason).toBe("exit code 0");
  });
});
