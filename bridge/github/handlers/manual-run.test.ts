// A `gh workflow run remediate.yml` run the bridge did not start, recorded from its signed
// workflow_run deliveries (real payloads from @octokit/webhooks-examples): an execution with
// source manual and the actor, tracked to its end, counted by the guards and the breaker
// like any other, and shown by the API.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STORE_ENGINES, useEngineStore } from "../../../test/fixtures/store/engine-store.js";
import { deliver, workflowRunPayload } from "../../../test/loop/github-webhooks.js";
import { type LoopHarness, SECRET, startLoopHarness } from "../../../test/loop/harness.js";
import { LOOP_RUNBOOKS } from "../../../test/loop/seed.js";
import type { StatusAnswer } from "../../http/api-types.js";
import { loadRunbookSet } from "../../runbooks/runbook-set.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
let h: LoopHarness;

/** A workflow_run delivery of a manual run: the real example, as GitHub sends it for `gh workflow run`. */
function manualRun(options: {
  runId: number;
  status: "queued" | "in_progress" | "completed";
  conclusion?: string;
  title?: string;
  path?: string;
  actor?: string;
}) {
  const payload = workflowRunPayload({
    runId: options.runId,
    status: options.status,
    conclusion: options.conclusion,
    displayTitle: options.title ?? `Remediate nginx-loop on web-1 [manual-${options.runId}]`,
  });
  const run = payload.workflow_run as Record<string, unknown>;
  run.event = "workflow_dispatch";
  run.path = options.path ?? ".github/workflows/remediate.yml";
  run.created_at = new Date(T0 - 30_000).toISOString();
  const actor = options.actor ?? "octocat";
  (run.triggering_actor as Record<string, unknown>).login = actor;
  (run.actor as Record<string, unknown>).login = actor;
  return payload;
}

async function post(payload: unknown): Promise<void> {
  const answer = await deliver(h.url, "workflow_run", payload, SECRET);
  expect(answer.status).toBe(200);
}

/** Alertmanager's firing notification for NginxDown on a host. */
async function fire(host: string, startsAt: string): Promise<{ state: string; reason: string }> {
  const labels = { alertname: "NginxDown", instance: `${host}:9113`, severity: "critical" };
  const response = await fetch(`${h.url}/webhook/alertmanager`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      version: "4",
      groupKey: '{}:{alertname="NginxDown"}',
      truncatedAlerts: 0,
      status: "firing",
      receiver: "runbridge",
      groupLabels: { alertname: "NginxDown" },
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: "http://127.0.0.1:9093",
      alerts: [
        {
          status: "firing",
          labels,
          annotations: {},
          startsAt,
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "http://127.0.0.1:9090/graph",
          fingerprint: createHash("sha256").update(`${host}@${startsAt}`).digest("hex").slice(0, 16),
        },
      ],
    }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  const body = (await response.json()) as { executions: { state: string; reason: string }[] };
  return body.executions[0] as { state: string; reason: string };
}

describe.each(STORE_ENGINES)("on %s", (engine) => {
  const store = useEngineStore(engine, "manual_run");

  beforeEach(async () => {
    h = await startLoopHarness({ now: T0, store: store.db });
  });
  afterEach(async () => {
    await h.close();
  });

  /** The execution recorded for a run, as far as a manual run fills it in. */
  const executionOfRun = (runId: number) =>
    store.row<{
      id: string;
      occurrenceKey: string;
      source: string;
      actor: string | null;
      runbook: string | null;
      target: string | null;
      runId: number | null;
      state: string;
      committedAt: number | null;
    }>(
      `select id, occurrence_key as "occurrenceKey", source, actor, runbook, target, run_id as "runId",
        state, committed_at as "committedAt"
       from executions where run_id = ?`,
      runId,
    );

  /** The execution.manual audit events, newest first. */
  const manualRunEvents = () =>
    store.rows(
      `select execution_id as "executionId", message from audit_events where kind = 'execution.manual' order by id desc`,
    );

  /** The breakers the bridge reports open now (GET /api/status). */
  async function openBreakerKeys(): Promise<string[]> {
    const status = (await (await fetch(`${h.url}/api/status`)).json()) as StatusAnswer;
    return status.openBreakers.map((breaker) => breaker.key);
  }

  describe("manual runs", () => {
    it("are recorded with source manual and the actor, once, and tracked to their end", async () => {
      await post(manualRun({ runId: 7001, status: "queued", actor: "alice" }));
      await post(manualRun({ runId: 7001, status: "queued", actor: "alice" }));
      const recorded = await executionOfRun(7001);
      expect(recorded).toMatchObject({
        id: expect.stringMatching(/^ex_/),
        occurrenceKey: "manual:7001",
        source: "manual",
        actor: "alice",
        runbook: "nginx-loop",
        target: "web-1",
        runId: 7001,
        state: "queued",
        committedAt: T0 - 30_000,
      });
      expect(await manualRunEvents()).toMatchObject([
        {
          executionId: recorded?.id,
          message: `run 7001 [manual-7001] of runbook nginx-loop on web-1 started by @alice, not by the bridge: recorded as ${recorded?.id}`,
        },
      ]);

      await post(manualRun({ runId: 7001, status: "in_progress", actor: "alice" }));
      expect((await executionOfRun(7001))?.state).toBe("running");
      await post(manualRun({ runId: 7001, status: "completed", conclusion: "success", actor: "alice" }));
      expect((await executionOfRun(7001))?.state).toBe("succeeded");

      const listed = (await (await fetch(`${h.url}/api/executions`)).json()) as {
        executions: { id: string; source: string; actor: string | null }[];
      };
      expect(listed.executions).toContainEqual(
        expect.objectContaining({ id: recorded?.id, source: "manual", actor: "alice" }),
      );
    });

    it("make the bridge suppress an alert for the same target while active; another target runs", async () => {
      await post(manualRun({ runId: 7002, status: "in_progress" }));
      const same = await fire("web-1", "2025-06-02T11:59:00Z");
      expect(same.state).toBe("suppressed");
      expect(same.reason).toContain((await executionOfRun(7002))?.id);
      const other = await fire("web-2", "2025-06-02T11:59:00Z");
      expect(other.state).toBe("pending");

      // Once the manual run ends, the target is free again.
      await post(manualRun({ runId: 7002, status: "completed", conclusion: "success" }));
      h.clock.now += 60_000;
      expect((await fire("web-1", "2025-06-02T12:00:30Z")).state).toBe("pending");
    });

    it("start the runbook's cooldown, counted from when the run was created", async () => {
      // The loop runbook with a 10m cooldown.
      const dir = mkdtempSync(join(tmpdir(), "runbridge-manual-"));
      const text = readFileSync(join(LOOP_RUNBOOKS, "nginx-loop.yml"), "utf8");
      writeFileSync(join(dir, "nginx-loop.yml"), text.replace("guards:\n", "guards:\n  cooldown: 10m\n"));
      const { set, problems } = loadRunbookSet(dir);
      rmSync(dir, { recursive: true, force: true });
      expect(problems).toEqual([]);
      h.runbooks.set = set;

      await post(manualRun({ runId: 7050, status: "completed", conclusion: "success" }));
      h.clock.now = T0 + 5 * 60_000;
      const during = await fire("web-1", "2025-06-02T12:04:00Z");
      expect(during.state).toBe("suppressed");
      expect(during.reason).toContain("cooldown");
      // 10m after the run was created (T0 - 30s), the target may be remediated again.
      h.clock.now = T0 + 10 * 60_000;
      expect((await fire("web-1", "2025-06-02T12:09:00Z")).state).toBe("pending");
    });

    it("feed the runbook's breaker when they fail", async () => {
      for (const runId of [7101, 7102, 7103]) {
        await post(
          manualRun({
            runId,
            status: "completed",
            conclusion: "failure",
            title: `Remediate nginx-loop on web-${runId} [manual-${runId}]`,
          }),
        );
      }
      expect((await executionOfRun(7103))?.state).toBe("failed");
      expect(await openBreakerKeys()).toEqual(["runbook:nginx-loop"]);
    });

    it.each([
      ["a marker naming another run", { title: "Remediate nginx-loop on web-1 [manual-1]" }],
      ["a bridge execution's marker", { title: "Remediate nginx-loop on web-1 [ex_0000000000000000aa]" }],
      ["another workflow", { path: ".github/workflows/deploy.yml" }],
      ["a runbook that is not loaded", { title: "Remediate db-failover on db-1 [manual-7201]" }],
    ])("are not recorded from %s", async (_, over) => {
      await post(manualRun({ runId: 7201, status: "in_progress", ...over }));
      expect(await executionOfRun(7201)).toBeUndefined();
      expect(await manualRunEvents()).toEqual([]);
    });
  });
});
