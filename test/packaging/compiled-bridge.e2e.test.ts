/**
 * The build `npm run build`, `npm start` and the Dockerfile share (scripts/build-bridge.mjs)
 * gives a bridge that plain `node` starts: no tsx, no loader, only the compiled modules and the
 * files tsc does not emit (SQL migrations, console assets). The compiled bridge runs on the
 * runtime this suite runs on (Node 24 or newer), on loopback with a temporary SQLite file, and
 * records an Alertmanager webhook.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
      // Plain node: no --import tsx, and no NODE_OPTIONS from the test runner's environment.
      command: process.execPath,
      args: [join(out, "bridge/main.js")],
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
        LOG_LEVEL: "info",
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

  it("stops cleanly on SIGTERM", async () => {
    await bridge.close(10_000);
    expect(bridge.exitReason).toBe("exit code 0");
  });
});
