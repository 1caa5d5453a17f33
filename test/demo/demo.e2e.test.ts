/**
 * `npm run demo`, headless and test-sized (--fast), to the end of its story, checked step by
 * step through the bridge's API: the crash fires DemoServiceDown through the real Prometheus
 * and Alertmanager; the bridge decides and holds the approval (an issue on the stand-in
 * GitHub); `npm run demo -- approve` answers it; the played workflow restarts the service and
 * the execution succeeds; the second crash, which a restart does not fix, fails and opens the
 * breaker, which suppresses the third. Then Ctrl-C (SIGINT to the process group) stops
 * everything it started.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEventJson, ExecutionJson, StatusAnswer } from "../../bridge/http/api-types.js";
import { REPO_ROOT } from "../e2e/support.js";
import { waitUntil } from "../harness/ports.js";
import { type DemoProcess, isAlive, processesMentioning, startDemoProcess } from "./demo-process.js";

let dir: string;
let demo: DemoProcess;
let bridge: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "runbridge-demo-test-"));
  demo = startDemoProcess(dir);
  await demo.waitForOutput("Ctrl-C stops everything", 60_000);
  bridge = demo.state().console.replace(/\/$/, "");
}, 90_000);

afterAll(() => {
  demo?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function read<T>(path: string): Promise<T> {
  const response = await fetch(`${bridge}${path}`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}
const executions = async () =>
  (await read<{ executions: ExecutionJson[] }>("/api/executions?runbook=demo-service-down")).executions;
async function nth(n: number, state: string): Promise<ExecutionJson> {
  return waitUntil(
    async () => {
      const execution = (await executions()).at(-n);
      return execution?.state === state ? execution : undefined;
    },
    {
      what: `execution ${n} of demo-service-down ${state}`,
      timeoutMs: 40_000,
      intervalMs: 250,
      failFast: () => (demo.child.exitCode === null ? undefined : `the demo exited:\n${demo.output()}`),
    },
  );
}
async function kindsOf(id: string): Promise<string[]> {
  const detail = await read<{ events: AuditEventJson[] }>(`/api/executions/${id}`);
  return detail.events.map((event) => event.kind);
}

describe("npm run demo, headless", () => {
  it("crash → alert → held approval → demo approve → run → verified; second crash → failed → breaker open → third suppressed; Ctrl-C leaves nothing", async () => {
    // ① The first crash: decided, held in the bridge, an issue asks the approver.
    const held = await nth(1, "awaiting_approval");
    expect(held.alertname).toBe("DemoServiceDown");
    expect(held.target).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(held.runId).toBeNull();
    await waitUntil(async () => (await nth(1, "awaiting_approval")).approvalIssue !== null, {
      what: "the approval issue recorded",
    });
    expect(await kindsOf(held.id)).toEqual(
      expect.arrayContaining(["decision.pending", "approval.held", "approval.issue"]),
    );
    await demo.waitForOutput("npm run demo -- approve");

    expect(await demo.command("approve")).toContain(`approved ${held.id}`);
    // The run succeeded, the service answers again, the alert resolves: verified.
    const succeeded = await nth(1, "verified");
    expect(succeeded.id).toBe(held.id);
    expect(succeeded.approvedBy).toBe("demo-operator");
    expect(succeeded.runId).toEqual(expect.any(Number));
    expect(await kindsOf(held.id)).toEqual(
      expect.arrayContaining(["approval.approved", "dispatch.accepted", "execution.state"]),
    );
    // The played workflow ran the Action's phases against the service: restarted, verified.
    const output = demo.output();
    expect(output).toMatch(/job health-check: success: unhealthy: /);
    expect(output).toContain("demo-service restarted");
    expect(output).toMatch(/job verify: success: /);
    // The diagnostics report (an artifact on GitHub) sits with the demo's logs, not in the checkout.
    const report = join(demo.state().dir, `run-${succeeded.runId}-report`, "diagnostics.md");
    expect(readFileSync(report, "utf8")).toContain("what the supervisor knows about the service");
    expect(existsSync(join(REPO_ROOT, "runbridge-report"))).toBe(false);
    const service = await fetch(`http://${succeeded.target}/healthz`);
    expect(service.status).toBe(200);

    // ② The second crash, which a restart does not fix: a new execution, held again.
    const second = await nth(2, "awaiting_approval");
    expect(second.id).not.toBe(held.id);
    expect(await demo.command("approve")).toContain(`approved ${second.id}`);
    const failed = await nth(2, "failed");
    expect(failed.reason).toMatch(/conclusion failure/);
    expect(demo.output()).toMatch(/job remediate: failure: remediate failed: step "restart the service"/);

    // ③ One failure within 30m opens the demo runbook's small breaker.
    const status = await read<StatusAnswer>("/api/status");
    expect(status.openBreakers).toMatchObject([{ key: "runbook:demo-service-down", state: "open" }]);
    const opened = await read<{ events: AuditEventJson[] }>("/api/audit?kind=breaker.opened");
    expect(opened.events).toMatchObject([{ executionId: failed.id }]);
    await demo.waitForOutput("③ the breaker is open");

    // ④ Repaired by hand, it fails once more: the open breaker suppresses the new alert.
    const suppressed = await nth(3, "suppressed");
    expect(suppressed.reason).toMatch(
      /^circuit breaker: breaker runbook:demo-service-down is open \(1 failure within 30m/,
    );
    expect(suppressed.runId).toBeNull();
    await demo.waitForOutput("Ctrl-C stops everything.\nThe story is over");

    // Ctrl-C: everything the demo started stops, and its state file goes.
    const state = demo.state();
    const servicePid = (await (await fetch(`${state.control}/service`)).json()) as { pid?: number };
    const pids = [...state.pids, ...(servicePid.pid ? [servicePid.pid] : [])];
    expect(pids.length).toBeGreaterThanOrEqual(3);
    await demo.interrupt();
    expect(demo.output()).toMatch(/SIGINT: stopping everything the demo started …\nstopped\.\n$/);
    expect(pids.filter(isAlive)).toEqual([]);
    await waitUntil(() => processesMentioning(state.dir).length === 0, {
      what: `no process mentioning ${state.dir}`,
      timeoutMs: 3_000,
    });
    expect(processesMentioning("demo/service.ts")).toEqual([]);
    await expect(fetch(state.console, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow();
  }, 90_000);
});
