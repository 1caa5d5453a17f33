import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  deliver,
  example,
  signature,
  workflowJobPayload,
  workflowRunPayload,
} from "../../test/loop/github-webhooks.js";
import { type LoopHarness, SECRET, startLoopHarness } from "../../test/loop/harness.js";
import { runName, seedExecution } from "../../test/loop/seed.js";
import { queryAudit } from "../store/audit.js";
import { findExecution } from "../store/executions.js";

let h: LoopHarness;

beforeEach(async () => {
  h = await startLoopHarness();
});
afterEach(async () => {
  expect(h.gh.violations).toEqual([]);
  await h.close();
});

const auditCount = () => h.db.count("audit_events");

describe("POST /webhook/github: authentication and limits", () => {
  it("401 without x-hub-signature-256, and nothing changes", async () => {
    const execution = await seedExecution(h.db.db, h.clock.now, { runId: 1001 });
    const payload = workflowRunPayload({ runId: 1001, status: "completed", conclusion: "failure" });
    const answer = await deliver(h.url, "workflow_run", payload, undefined);
    expect(answer.status).toBe(401);
    expect(answer.body.error).toContain("missing x-hub-signature-256");
    expect((await findExecution(h.db.db, execution.id))?.state).toBe("dispatched");
    expect(auditCount()).toBe(0);
    expect(h.db.count("breaker_failures")).toBe(0);
  });

  it("401 with a signature made with another secret, or over another body, and nothing changes", async () => {
    const execution = await seedExecution(h.db.db, h.clock.now, { runId: 1001 });
    const payload = workflowRunPayload({ runId: 1001, status: "completed", conclusion: "failure" });
    const wrongSecret = await deliver(h.url, "workflow_run", payload, "not the secret");
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toContain("signature does not match");
    const body = JSON.stringify(payload);
    const tampered = await deliver(h.url, "workflow_run", body.replace('"failure"', '"success"'), undefined, {
      "x-hub-signature-256": signature(SECRET, body),
    });
    expect(tampered.status).toBe(401);
    const garbage = await deliver(h.url, "workflow_run", payload, undefined, {
      "x-hub-signature-256": "sha256=00",
    });
    expect(garbage.status).toBe(401);
    expect((await findExecution(h.db.db, execution.id))?.state).toBe("dispatched");
    expect(auditCount()).toBe(0);
  });

  it("202 and an audit line for an event the bridge does not use (issues)", async () => {
    const answer = await deliver(
      h.url,
      "issues",
      example("issues", (p) => p.action === "opened"),
      SECRET,
      {
        "x-github-delivery": "d-issues-1",
      },
    );
    expect(answer).toEqual({ status: 202, body: { ignored: "issues" } });
    expect(await queryAudit(h.db.db, {})).toMatchObject([
      { kind: "github.ignored", message: "GitHub issues event ignored (delivery d-issues-1)" },
    ]);
    expect(h.published.map((event) => event.kind)).toEqual(["github.ignored"]);
  });

  it("202 for a signed event about another repository sharing the secret, and the execution is untouched", async () => {
    const execution = await seedExecution(h.db.db, h.clock.now, { runId: 1001 });
    const payload = workflowRunPayload({
      runId: 1001,
      status: "completed",
      conclusion: "failure",
      repository: "acme/website",
      displayTitle: runName(execution),
    });
    const answer = await deliver(h.url, "workflow_run", payload, SECRET, { "x-github-delivery": "d-other" });
    expect(answer).toEqual({
      status: 202,
      body: { ignored: "workflow_run", reason: "it is about acme/website, not acme/infra" },
    });
    expect((await findExecution(h.db.db, execution.id))?.state).toBe("dispatched");
    expect(h.db.count("breaker_failures")).toBe(0);
    expect(await queryAudit(h.db.db, {})).toMatchObject([
      {
        kind: "github.ignored",
        message:
          "GitHub workflow_run event ignored: it is about acme/website, not acme/infra (delivery d-other)",
      },
    ]);
  });

  it("ping is answered ok and writes nothing", async () => {
    const answer = await deliver(h.url, "ping", example("ping"), SECRET);
    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(auditCount()).toBe(0);
  });

  it("413 for a body over GitHub's 25 MB limit, before anything is verified", async () => {
    const huge = `{"zen":"${"x".repeat(25 * 1_048_576 + 10)}"}`;
    const answer = await deliver(h.url, "ping", huge, undefined, { "x-hub-signature-256": "sha256=00" });
    expect(answer.status).toBe(413);
    expect(auditCount()).toBe(0);
  });

  it("400 for a signed body that is not JSON", async () => {
    const answer = await deliver(h.url, "ping", "zen=keep it logically awesome", SECRET);
    expect(answer.status).toBe(400);
  });

  it("400, never 500, for a signed event whose action is not text, and the execution is untouched", async () => {
    // Found by `npm run fuzz`: @octokit/webhooks also routes by `<name>.<action>`, and this
    // action cannot be made text (its toString and valueOf are not functions).
    const execution = await seedExecution(h.db.db, h.clock.now, { runId: 4343 });
    const job = workflowJobPayload({ runId: 4343, jobId: 7, name: "remediate", status: "in_progress" });
    const body = JSON.stringify({
      ...job,
      action: { toString: { polluted: true }, valueOf: { polluted: true } },
    });
    const answer = await deliver(h.url, "workflow_job", body, SECRET);
    expect(answer).toEqual({
      status: 400,
      body: { error: "workflow_job event not handled: action is an object, expected a string" },
    });
    expect((await findExecution(h.db.db, execution.id))?.state).toBe(execution.state);
  });

  it("404 with a hint when GITHUB_WEBHOOK_SECRET is not set", async () => {
    const bare = await startLoopHarness({ secret: undefined });
    try {
      const answer = await deliver(bare.url, "ping", example("ping"), SECRET);
      expect(answer.status).toBe(404);
      expect(answer.body.error).toContain("GITHUB_WEBHOOK_SECRET");
    } finally {
      await bare.close();
    }
  });
});

describe("workflow_run and workflow_job deliveries (real payloads)", () => {
  it("move an execution queued → awaiting_approval → running → failed, each an audit event, redeliveries ignored", async () => {
    const execution = await seedExecution(h.db.db, h.clock.now, { runId: 4242 });
    const steps: [string, Record<string, unknown>][] = [
      ["workflow_run", workflowRunPayload({ runId: 4242, status: "queued" })],
      ["workflow_job", workflowJobPayload({ runId: 4242, jobId: 1, name: "remediate", status: "waiting" })],
      ["workflow_run", workflowRunPayload({ runId: 4242, status: "in_progress" })],
      [
        "workflow_job",
        workflowJobPayload({ runId: 4242, jobId: 1, name: "remediate", status: "in_progress" }),
      ],
      // GitHub redelivers: the earlier waiting again changes nothing.
      ["workflow_job", workflowJobPayload({ runId: 4242, jobId: 1, name: "remediate", status: "waiting" })],
      ["workflow_run", workflowRunPayload({ runId: 4242, status: "completed", conclusion: "failure" })],
      ["workflow_run", workflowRunPayload({ runId: 4242, status: "in_progress" })],
    ];
    const seen: string[] = [];
    for (const [event, payload] of steps) {
      const answer = await deliver(h.url, event, payload, SECRET);
      expect(answer.status).toBe(200);
      seen.push((await findExecution(h.db.db, execution.id))?.state ?? "");
    }
    expect(seen).toEqual([
      "queued",
      "awaiting_approval",
      "awaiting_approval",
      "running",
      "running",
      "failed",
      "failed",
    ]);
    expect(
      (await queryAudit(h.db.db, { executionId: execution.id, kind: "execution.state" }))
        .reverse()
        .map((event) => event.message),
    ).toEqual([
      "dispatched → queued: run 4242 is queued",
      'queued → awaiting_approval: job "remediate" is waiting for approval',
      'awaiting_approval → running: job "remediate" is in_progress',
      "running → failed: run 4242 completed with conclusion failure",
    ]);
    expect(h.published.filter((event) => event.kind === "execution.state")).toHaveLength(4);
    expect(h.db.count("breaker_failures", "key = 'runbook:nginx-loop'")).toBe(1);
  });

  it("link a repository_dispatch run by the [ex_…] marker in display_title", async () => {
    const execution = await seedExecution(h.db.db, h.clock.now);
    const payload = workflowRunPayload({
      runId: 777,
      status: "in_progress",
      displayTitle: runName(execution),
    });
    expect((await deliver(h.url, "workflow_run", payload, SECRET)).status).toBe(200);
    expect(await findExecution(h.db.db, execution.id)).toMatchObject({
      runId: 777,
      runUrl: "https://github.com/acme/infra/actions/runs/777",
      state: "running",
    });
  });

  it("ignore a run that is not the bridge's (no run id, no marker)", async () => {
    const execution = await seedExecution(h.db.db, h.clock.now, { runId: 1 });
    // The bridge's repository, a run it did not start: the example's own name carries no marker.
    const payload = workflowRunPayload({ runId: 424242, status: "completed", conclusion: "failure" });
    const answer = await deliver(h.url, "workflow_run", payload, SECRET);
    expect(answer.status).toBe(200);
    expect(auditCount()).toBe(0);
    expect((await findExecution(h.db.db, execution.id))?.state).toBe("dispatched");
  });
});
