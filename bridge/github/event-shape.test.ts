import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { deploymentProtectionRulePayload } from "../../test/loop/github-webhooks.js";
import { malformedEventReason } from "./event-shape.js";
import { HANDLED_EVENTS } from "./webhook-receiver.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as {
  name: string;
  examples: unknown[];
}[];

describe("malformedEventReason", () => {
  it("accepts every real example payload of every event the bridge handles", () => {
    // @octokit/webhooks-examples has none of deployment_protection_rule: the loop tests build
    // one from @octokit/webhooks-schemas (test/loop/github-webhooks.ts), checked below.
    for (const event of HANDLED_EVENTS.filter((name) => name !== "deployment_protection_rule")) {
      const group = examples.find((candidate) => candidate.name === event);
      expect(group?.examples.length ?? 0, `no examples of ${event}`).toBeGreaterThan(0);
      for (const payload of group?.examples ?? [])
        expect(malformedEventReason(event, payload)).toBeUndefined();
    }
  });

  it("accepts the deployment_protection_rule payload the loop tests validate against GitHub's schema", () => {
    const payload = deploymentProtectionRulePayload({ runId: 42, environment: "remediation-production" });
    expect(malformedEventReason("deployment_protection_rule", payload)).toBeUndefined();
  });

  it("names the first field a handler would read that is missing or of another type", () => {
    expect(malformedEventReason("workflow_run", { action: "completed" })).toBe(
      "workflow_run is missing (expected an object)",
    );
    expect(malformedEventReason("workflow_run", { workflow_run: { id: "12", status: "completed" } })).toBe(
      'workflow_run.id is string "12", expected a non-negative integer',
    );
    expect(
      malformedEventReason("workflow_job", {
        workflow_job: { id: 1, run_id: 2, name: ["x"], status: "queued" },
      }),
    ).toBe("workflow_job.name is an array, expected a string");
    expect(
      malformedEventReason("issue_comment", {
        action: "created",
        issue: { number: 3 },
        comment: { body: 5 },
      }),
    ).toBe("comment.body is number 5, expected a string");
  });

  it("refuses, on every event, an action that is not text (the receiver routes by it)", () => {
    const job = { workflow_job: { id: 1, run_id: 2, name: "remediate", status: "queued" } };
    expect(malformedEventReason("workflow_job", { ...job, action: { toString: {} } })).toBe(
      "action is an object, expected a string",
    );
    expect(malformedEventReason("push", { action: 5, ref: "refs/heads/main", after: "abc" })).toBe(
      "action is number 5, expected a string",
    );
    expect(malformedEventReason("workflow_job", { ...job, action: "queued" })).toBeUndefined();
    expect(malformedEventReason("ping", {})).toBeUndefined();
  });

  it("lets optional fields be absent or null, also under an absent optional object", () => {
    expect(
      malformedEventReason("workflow_run", { workflow_run: { id: 1, status: "queued", conclusion: null } }),
    ).toBeUndefined();
    expect(
      malformedEventReason("issue_comment", {
        action: "created",
        issue: { number: 3 },
        comment: { user: null },
      }),
    ).toBeUndefined();
  });

  it("refuses payloads that are not JSON objects", () => {
    for (const payload of [null, 0, "text", [], [{}]]) {
      expect(malformedEventReason("ping", payload)).toMatch(/not a JSON object$/);
    }
  });

  it("does not read inherited properties (a prototype key is not a field)", () => {
    const payload = JSON.parse('{"__proto__": {"workflow_run": {"id": 1, "status": "queued"}}}');
    expect(malformedEventReason("workflow_run", payload)).toBe(
      "workflow_run is missing (expected an object)",
    );
  });
});
