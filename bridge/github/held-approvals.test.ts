// Approvals the bridge holds, piece by piece against the GitHub API emulator: who may answer
// (checked through the API at that moment), what a comment says, and the transitions that
// must move a held execution once only.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type LoopHarness, startLoopHarness } from "../../test/loop/harness.js";
import { seedExecution } from "../../test/loop/seed.js";
import { expireApproval, holdForApproval, recordApproved, recordRejected } from "../executions/approval.js";
import { recordAlertResolved } from "../executions/resolved.js";
import { findExecution } from "../store/executions.js";
import { claimNextDispatch, enqueueDispatch } from "../store/outbox.js";
import { inTransaction } from "../store/transaction.js";
import { parseApprovalCommand } from "./handlers/issue-comment.js";
import { announceHeldApproval, checkApprover } from "./held-approvals.js";

const T0 = Date.parse("2025-06-02T12:00:00Z");
let h: LoopHarness;

beforeEach(async () => {
  h = await startLoopHarness({ now: T0 });
});
afterEach(async () => {
  expect(h.gh.violations).toEqual([]);
  await h.close();
});

describe("parseApprovalCommand", () => {
  it.each([
    ["/approve", { kind: "approve" }],
    ["  /APPROVE  \nthanks", { kind: "approve" }],
    ["/reject not now, the migration runs", { kind: "reject", why: "not now, the migration runs" }],
    ["/reject", { kind: "reject", why: "no reason given" }],
    ["/approved", undefined],
    ["I /approve of this", undefined],
    ["looks fine\n/approve", undefined],
  ])("%j → %j", (body, command) => {
    expect(parseApprovalCommand(body)).toEqual(command);
  });
});

describe("checkApprover", () => {
  beforeEach(() => {
    h.gh.state.setTeam("acme/sre", ["carol"]);
    h.gh.state.setPermission("alice", "write");
    h.gh.state.setPermission("bob", "read");
    h.gh.state.setPermission("carol", "maintain");
    h.gh.state.setPermission("erin", "admin");
  });
  const approvers = ["alice", "bob", "acme/sre", "frank"];

  it.each([
    ["alice", true, "@alice (listed, write permission)"],
    ["ALICE", true, "@ALICE (listed, write permission)"],
    ["carol", true, "@carol (member of acme/sre, write permission)"],
    [
      "bob",
      false,
      "@bob is listed but has read permission on the repository; approving needs write or admin",
    ],
    ["frank", false, "@frank is listed but has none permission on the repository"],
    ["erin", false, "@erin is not among the runbook's approvers"],
  ])("%s → allowed %s", async (login, allowed, why) => {
    const check = await checkApprover(h.api, approvers, login);
    expect(check).toEqual({ allowed, why: expect.stringContaining(why) });
  });

  it("asks GitHub at that moment: a member who left the team no longer approves", async () => {
    expect((await checkApprover(h.api, ["acme/sre"], "carol")).allowed).toBe(true);
    h.gh.state.setTeam("acme/sre", []);
    expect((await checkApprover(h.api, ["acme/sre"], "carol")).allowed).toBe(false);
  });
});

describe("held transitions", () => {
  async function held() {
    const execution = await seedExecution(h.db.db, T0, { state: "pending", dispatchedAt: null, runId: null });
    await enqueueDispatch(h.db.db, execution.id, "critical", T0);
    await claimNextDispatch(h.db.db, T0);
    await holdForApproval(
      h.handlerDeps,
      execution,
      "environment remediation-production has no required reviewers",
      T0,
    );
    return (await findExecution(h.db.db, execution.id)) as NonNullable<
      Awaited<ReturnType<typeof findExecution>>
    >;
  }

  it("holding finishes the outbox row; approving enqueues it again, once", async () => {
    const execution = await held();
    expect(execution).toMatchObject({ state: "awaiting_approval", approvalHeldAt: T0, awaitingSince: T0 });
    expect(await claimNextDispatch(h.db.db, T0 + 1)).toBeUndefined();

    const first = await recordApproved(
      h.handlerDeps,
      execution,
      { approver: "alice", gate: "gate passed" },
      T0 + 5,
    );
    expect(first?.map((event) => event.kind)).toEqual(["approval.approved"]);
    // A second /approve, or the same comment redelivered, finds nothing held.
    expect(
      await recordApproved(h.handlerDeps, execution, { approver: "bob", gate: "gate passed" }, T0 + 6),
    ).toBeUndefined();
    expect(
      await recordRejected(h.handlerDeps, execution, { by: "bob", why: "late" }, T0 + 7),
    ).toBeUndefined();
    expect(await expireApproval(h.handlerDeps, execution, "24h", T0 + 8)).toBeUndefined();

    expect(await findExecution(h.db.db, execution.id)).toMatchObject({
      state: "pending",
      approvedBy: "alice",
      approvalHeldAt: null,
      reason: "approved by @alice: dispatching",
    });
    expect(await claimNextDispatch(h.db.db, T0 + 10)).toMatchObject({
      executionId: execution.id,
      attempts: 1,
    });
    expect(await claimNextDispatch(h.db.db, T0 + 10)).toBeUndefined();
  });

  it("a resolved alert with onResolved: cancel ends a held execution at once: nothing on GitHub to cancel", async () => {
    const execution = await held();
    const record = await inTransaction(
      h.db.db,
      async (tx) =>
        await recordAlertResolved(tx, h.handlerDeps, execution, {
          resolvedAt: "2025-06-02T12:05:00Z",
          cancel: true,
          now: T0 + 60_000,
        }),
    );
    expect(record).toMatchObject({ state: "cancelled", cancelOnGitHub: false });
    expect(await findExecution(h.db.db, execution.id)).toMatchObject({
      state: "cancelled",
      cancelRequestedAt: null,
      approvalHeldAt: null,
    });
  });

  it("expiring a held execution is final and never counts as a dispatch", async () => {
    const execution = await held();
    const events = await expireApproval(h.handlerDeps, execution, "24h", T0 + 86_400_000);
    expect(events?.map((event) => event.kind)).toEqual(["approval.expired"]);
    expect(await findExecution(h.db.db, execution.id)).toMatchObject({
      state: "expired",
      reason: "expired: no approval within 24h; nothing was dispatched",
      finishedAt: T0 + 86_400_000,
    });
  });
});

describe("announceHeldApproval", () => {
  async function heldOn(target: string) {
    const execution = await seedExecution(h.db.db, h.clock.now, {
      state: "pending",
      dispatchedAt: null,
      runId: null,
      target,
    });
    await enqueueDispatch(h.db.db, execution.id, "critical", h.clock.now);
    await claimNextDispatch(h.db.db, h.clock.now);
    await holdForApproval(h.handlerDeps, execution, "no reviewers", h.clock.now);
    h.clock.now += 1_000;
    return execution.id;
  }
  const deps = () => ({ ...h.handlerDeps, api: h.api });

  it("opens one issue per runbook and target, comments on it while it is open, opens a new one once closed", async () => {
    const first = await heldOn("web-1");
    await announceHeldApproval(deps(), first, "no reviewers");
    expect(h.gh.state.issues).toHaveLength(1);
    const issue = h.gh.state.issues[0] as (typeof h.gh.state.issues)[number];
    expect(issue.title).toBe("Approval needed: nginx-loop on web-1");
    expect(issue.labels).toEqual(["runbridge-approval", "incident", "approval"]);
    expect((await findExecution(h.db.db, first))?.approvalIssue).toBe(issue.number);
    // Called again (the reconciler after a slow first attempt): nothing new.
    await announceHeldApproval(deps(), first, "no reviewers");
    expect(h.gh.state.issues).toHaveLength(1);
    expect(issue.comments).toHaveLength(0);

    await recordRejected(
      h.handlerDeps,
      (await findExecution(h.db.db, first)) as never,
      { by: "alice", why: "no" },
      h.clock.now,
    );
    const second = await heldOn("web-1");
    await announceHeldApproval(deps(), second, "no reviewers");
    expect(h.gh.state.issues).toHaveLength(1);
    expect(issue.comments.map((c) => c.body)).toEqual([expect.stringContaining(second)]);
    expect((await findExecution(h.db.db, second))?.approvalIssue).toBe(issue.number);

    // Another target gets its own issue.
    await announceHeldApproval(deps(), await heldOn("web-2"), "no reviewers");
    expect(h.gh.state.issues).toHaveLength(2);

    await recordRejected(
      h.handlerDeps,
      (await findExecution(h.db.db, second)) as never,
      { by: "alice", why: "no" },
      h.clock.now,
    );
    issue.state = "closed";
    const third = await heldOn("web-1");
    await announceHeldApproval(deps(), third, "no reviewers");
    expect(h.gh.state.issues).toHaveLength(3);
    expect((await findExecution(h.db.db, third))?.approvalIssue).toBe(3);
  });

  it("says so on the issue when the execution expired while GitHub was opening it", async () => {
    const id = await heldOn("web-3");
    h.gh.faults.push({ operationId: "issues/create", times: 1, delayMs: 300 });
    const announcing = announceHeldApproval(deps(), id, "no reviewers");
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expireApproval(h.handlerDeps, (await findExecution(h.db.db, id)) as never, "24h", h.clock.now);
    await announcing;
    const issue = h.gh.state.issues.find((record) => record.body?.includes(id));
    expect(issue?.comments.map((c) => c.body)).toEqual([
      `Execution ${id} is expired already (expired: no approval within 24h; nothing was dispatched); nothing here waits for an answer any more.`,
    ]);
  });
});
