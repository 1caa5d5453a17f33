import { describe, expect, it } from "vitest";
import { phaseSecrets, SECRET_SLOTS, secretSlotProblems } from "./phase-secrets.js";
import { resolveRunbook } from "./resolve.js";
import type { Runbook } from "./runbook.types.js";

const runbook = (overrides: Partial<Runbook>) =>
  resolveRunbook({
    name: "nginx-down",
    description: "Restart nginx",
    owner: "@acme/sre",
    match: { alertname: "NginxDown" },
    mode: "auto",
    ...overrides,
  } as Runbook);

describe("phaseSecrets", () => {
  it("gives each phase only the secrets its own steps or channels name, once each, in order", () => {
    const lists = phaseSecrets(
      runbook({
        steps: {
          healthCheck: [
            { name: "up", http: { url: "https://web/health", secretHeaders: { "X-Key": "HEALTH_KEY" } } },
          ],
          diagnostics: [
            {
              name: "pool",
              promql: { url: "http://prom", query: "up", secretHeaders: { Authorization: "PROM_TOKEN" } },
            },
          ],
          remediate: [
            { name: "restart", run: "restart", secrets: ["SSH_KEY", "DEPLOY_TOKEN"] },
            { name: "again", run: "restart", secrets: ["ssh_key"] },
          ],
          verify: [{ name: "wait", wait: "10s" }],
          rollback: [{ name: "undo", run: "undo", secrets: ["SSH_KEY"] }],
        },
        notify: [{ slack: { webhookSecret: "SLACK_URL" } }, { issue: {} }],
      }),
    );
    expect(lists).toEqual({
      "health-check": ["HEALTH_KEY"],
      diagnostics: ["PROM_TOKEN"],
      remediate: ["SSH_KEY", "DEPLOY_TOKEN"],
      verify: [],
      rollback: ["SSH_KEY"],
      notify: ["SLACK_URL"],
    });
  });

  it("reports a phase that names more secrets than the workflow has slots for", () => {
    const names = Array.from({ length: SECRET_SLOTS + 1 }, (_, index) => `KEY_${index}`);
    const problems = secretSlotProblems(
      runbook({ steps: { diagnostics: [{ name: "all", run: "x", secrets: names }] } }),
    );
    expect(problems).toEqual([
      {
        phase: "diagnostics",
        message: expect.stringContaining(`names ${SECRET_SLOTS + 1} secrets (${names.join(", ")})`),
      },
    ]);
    expect(
      secretSlotProblems(
        runbook({ steps: { diagnostics: [{ name: "all", run: "x", secrets: names.slice(1) }] } }),
      ),
    ).toEqual([]);
  });
});
