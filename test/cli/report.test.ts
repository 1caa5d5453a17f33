// `runbridge report` against a real bridge on loopback, dispatching to the GitHub API emulator:
// the markdown and JSON scorecards show what the bridge recorded, the API token comes from the
// environment, and every failure says what to do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { freePort } from "../harness/ports.js";
import {
  fireAlert,
  type OperatedBridge,
  runbookYaml,
  startOperatedBridge,
} from "../operate/start-operated-bridge.js";
import { runbridgeAsync } from "./run-cli.js";

const TOKEN = "report-token";

let gh: GitHubEmulator;
let bridge: OperatedBridge;

beforeAll(async () => {
  gh = await createGitHubEmulator();
  bridge = await startOperatedBridge({
    runbooks: {
      "web-down.yml": runbookYaml("web-down", "NginxDown", { cooldown: "10m" }),
      "db-down.yml": runbookYaml("db-down", "PostgresDown"),
      "idle.yml": runbookYaml("idle", "NeverFires"),
    },
    env: {
      GITHUB_TOKEN: "ghs_report",
      GITHUB_REPOSITORY: "acme/ops",
      GITHUB_API_URL: gh.url,
      RUNBRIDGE_DRY_RUN: "false",
      RUNBRIDGE_API_TOKEN: TOKEN,
    },
  });
  const token = { token: TOKEN };
  await fireAlert(bridge.url, { alertname: "NginxDown", instance: "web-1", severity: "critical" }, token);
  await waitForState("dispatched", 1);
  // The same host again: the cooldown says no.
  await fireAlert(bridge.url, { alertname: "NginxDown", instance: "web-1", pod: "b" }, token);
  // GitHub refuses db-down's dispatch: a failure, shown as its last one.
  gh.faults.push({ operationId: "actions/create-workflow-dispatch", times: 1, status: 422 });
  await fireAlert(bridge.url, { alertname: "PostgresDown", instance: "pg-1", severity: "critical" }, token);
  await waitForState("dispatch_failed", 1);
});
afterAll(async () => {
  await bridge?.close();
  await gh?.close();
});

/** Waits until `n` executions are in `state` (the dispatch happens after the webhook's answer). */
async function waitForState(state: string, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await fetch(`${bridge.url}/api/executions?state=${state}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const found = ((await response.json()) as { executions: unknown[] }).executions.length;
    if (found === n) return;
    if (Date.now() > deadline) throw new Error(`${found} executions ${state}, not ${n}, after 10s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const report = (args: string[], env: Record<string, string> = { RUNBRIDGE_API_TOKEN: TOKEN }) =>
  runbridgeAsync(["report", ...args], { env });

describe("runbridge report", () => {
  it("prints the week's scorecard as a markdown table, one row per runbook, and the last failures", async () => {
    const run = await report(["--since", "7d", "--url", bridge.url]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("## Runbook scorecard: last 7d");
    expect(lines[2]).toMatch(/^From http:\/\/127\.0\.0\.1:\d+ at \d{4}-\d\d-\d\dT.*Z; 3 runbooks\.$/);
    const rows = lines.filter((line) => line.startsWith("| `"));
    expect(rows).toEqual([
      "| `db-down` | 1 | 0 | 0% (0/1) | 0 | 0 | 1 | — | 0 | 0 | closed |",
      "| `idle` | 0 | 0 | — | 0 | 0 | 0 | — | 0 | 0 | closed |",
      "| `web-down` | 2 | 1 | — | 0 | 0 | 0 | — | 0 | cooldown 1 | closed |",
    ]);
    const failure = lines.find((line) => line.startsWith("- `db-down`: dispatch_failed at "));
    expect(failure).toMatch(/execution `ex_[0-9a-z]+`: `.+`$/);
  });

  it("prints one window as JSON with --json, reading the bridge from $RUNBRIDGE_URL", async () => {
    const run = await report(["--json", "--since", "24h"], {
      RUNBRIDGE_API_TOKEN: TOKEN,
      RUNBRIDGE_URL: bridge.url,
    });
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { window: string; runbooks: Record<string, unknown>[] };
    expect(body.window).toBe("24h");
    expect(body.runbooks.find((card) => card.runbook === "web-down")).toMatchObject({
      loaded: true,
      executions: 2,
      dispatched: 1,
      suppressedBy: { cooldown: 1 },
      outcomes: expect.objectContaining({ in_progress: 1, suppressed: 1 }),
    });
  });

  it("says to set RUNBRIDGE_API_TOKEN when the bridge refuses it", async () => {
    const run = await report(["--url", bridge.url], {});
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/refused the request \(401\): set RUNBRIDGE_API_TOKEN/);
  });

  it("says where it looked when no bridge answers", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await report(["--url", url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach the bridge at ${url}`);
  });

  it("rejects a window the scorecard does not have, with the usage", async () => {
    const run = await report(["--since", "2w", "--url", bridge.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--since 2w is not a scorecard window; use 24h, 7d, 30d");
    expect(run.stderr).toContain("Usage: runbridge report");
  });
});
