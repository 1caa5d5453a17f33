import { getOctokit } from "@actions/github";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Notification } from "../../../bridge/runbooks/runbook.types.js";
import type { ActionInputs } from "../inputs.js";
import { incidentMarker } from "../notify/issues.js";
import { silentLog } from "../steps/log.js";
import { testExecution } from "../testing/execution.js";
import { type Loopback, startLoopback } from "../testing/loopback.js";
import { notify } from "./notify.js";

// A loopback stand-in for the three GitHub issue endpoints notify uses, with real Octokit on top.
interface Issue {
  number: number;
  title: string;
  body: string;
  labels: string[];
}

describe("notify phase", () => {
  let github: Loopback;
  let slack: Loopback;
  let issues: Issue[] = [];
  const comments: { issue: number; body: string }[] = [];

  beforeAll(async () => {
    github = await startLoopback((request, response) => {
      const json = (status: number, body: unknown) =>
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      const url = new URL(request.url, "http://localhost");
      if (request.method === "GET" && url.pathname === "/repos/acme/web/issues") {
        return json(
          200,
          issues.filter((issue) => issue.labels.includes(url.searchParams.get("labels") ?? "")),
        );
      }
      if (request.method === "POST" && url.pathname === "/repos/acme/web/issues") {
        const sent = JSON.parse(request.body) as Omit<Issue, "number">;
        const issue = { ...sent, number: issues.length + 1 };
        issues.push(issue);
        return json(201, issue);
      }
      const comment = /^\/repos\/acme\/web\/issues\/(\d+)\/comments$/.exec(url.pathname);
      if (request.method === "POST" && comment) {
        comments.push({
          issue: Number(comment[1]),
          body: (JSON.parse(request.body) as { body: string }).body,
        });
        return json(201, { id: comments.length });
      }
      json(404, { message: `no route ${request.method} ${url.pathname}` });
    });
    slack = await startLoopback((_, response) => response.writeHead(200).end("ok"));
  });
  afterAll(async () => {
    await github.close();
    await slack.close();
  });
  afterEach(() => {
    issues = [];
    comments.length = 0;
  });

  const remediated = {
    plan: { result: "success", outputs: { remediate: "true" } },
    "health-check": { result: "success", outputs: { healthy: "false" } },
    diagnostics: { result: "success", outputs: {} },
    remediate: { result: "success", outputs: {} },
    verify: { result: "success", outputs: {} },
    rollback: { result: "skipped", outputs: {} },
  };

  async function notifyWith(notifications: Notification[], severity: string, needs: object = remediated) {
    const execution = testExecution({
      runbook: { notify: notifications },
      severity,
      secrets: { SLACK_URL: `${slack.url}/hook` },
      alert: { labels: { alertname: "NginxDown", instance: "web-1", evil: "<!channel> @everyone ```" } },
    });
    try {
      return await notify(
        {
          inputs: { needs: JSON.stringify(needs) } as ActionInputs,
          execution,
          log: silentLog,
          report: async () => {},
          sha: "abc",
        },
        {
          github: { octokit: getOctokit("test-token", { baseUrl: github.url }), owner: "acme", repo: "web" },
          runUrl: "https://github.com/acme/web/actions/runs/1",
        },
      );
    } finally {
      execution.cleanup();
    }
  }

  it("posts the outcome to a Slack-compatible webhook from the named secret", async () => {
    const result = await notifyWith([{ slack: { webhookSecret: "SLACK_URL" } }], "warning");
    expect(result.outputs.outcome).toBe("remediated");
    const posted = JSON.parse(slack.requests.at(-1)?.body ?? "{}") as { text: string };
    expect(posted.text).toContain("nginx-down on `web-1`: remediated and verified");
    // Alert text is escaped for Slack: it cannot ping a channel.
    expect(posted.text).not.toContain("<!channel>");
  });

  // The post-incident review is the bridge's (bridge/executions/review-issue.ts): it alone knows
  // the outcome after the run (verified, not_cleared) and holds the audit trail's timeline.
  it("opens an incident, and no post-incident review, for a critical alert that was remediated", async () => {
    const result = await notifyWith([{ issue: { labels: ["incident"] } }], "critical");
    expect(result.status).toBe("success");
    expect(result.verdict).toMatch(/notified: opened #1$/);
    expect(issues.map((issue) => issue.title)).toEqual(["Incident: nginx-down on web-1 (NginxDown)"]);
    expect(issues[0]?.labels).toEqual(["incident", "runbridge"]);
    expect(issues[0]?.body).toContain(incidentMarker({ runbook: "nginx-down", target: "web-1" }));
  });

  it("comments on the open incident for the same runbook and target instead of opening another", async () => {
    issues.push({
      number: 7,
      title: "Incident",
      labels: ["runbridge"],
      body: incidentMarker({ runbook: "nginx-down", target: "web-1" }),
    });
    const failed = {
      ...remediated,
      verify: { result: "failure", outputs: {} },
      rollback: { result: "success", outputs: {} },
    };
    const result = await notifyWith([{ issue: {} }], "critical", failed);
    expect(result.outputs.outcome).toBe("rolled-back");
    expect(issues).toHaveLength(1);
    expect(comments).toEqual([
      { issue: 7, body: expect.stringContaining("verification failed; the change was rolled back") },
    ]);
  });

  it("opens nothing for a non-critical alert without an open incident", async () => {
    await notifyWith([{ issue: {} }], "warning");
    expect(issues).toEqual([]);
  });

  it("opens nothing when the issue channel lists no severities, even for a critical alert", async () => {
    const result = await notifyWith([{ issue: { labels: ["incident"], severities: [] } }], "critical");
    expect(result.status).toBe("success");
    expect(issues).toEqual([]);
  });

  it("honours when: failure", async () => {
    const before = slack.requests.length;
    await notifyWith([{ when: "failure", slack: { webhookSecret: "SLACK_URL" } }], "warning");
    expect(slack.requests.length).toBe(before);
  });

  it("fails naming the channel when a webhook secret is missing, after trying the others", async () => {
    const result = await notifyWith([{ slack: { webhookSecret: "NOPE" } }, { issue: {} }], "critical");
    expect(result.status).toBe("failure");
    expect(result.verdict).toContain("notify[0].slack needs secret NOPE, which is not set");
    // The issue channel after it was still tried: its incident was opened.
    expect(issues.map((issue) => issue.title)).toEqual(["Incident: nginx-down on web-1 (NginxDown)"]);
  });
});
