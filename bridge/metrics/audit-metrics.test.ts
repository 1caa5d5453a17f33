// The outcome metrics, fed by the audit events the transitions write.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../store/audit.js";
import { createAuditMetrics } from "./audit-metrics.js";

let id = 0;
function event(kind: string, data: Record<string, unknown>, runbook = "nginx-down"): AuditEvent {
  id += 1;
  return {
    id,
    at: 1_000 * id,
    kind,
    executionId: `ex_${id}`,
    alertname: "NginxDown",
    runbook,
    target: "web-1",
    message: "",
    data,
  };
}

async function metricsAfter(events: AuditEvent[]): Promise<string> {
  const registry = new Registry();
  const observe = createAuditMetrics(registry, {
    isRunbookLoaded: (name) => name === "nginx-down",
    executionCreatedAt: () => undefined,
  });
  for (const each of events) observe(each);
  return registry.metrics();
}

describe("outcome metrics", () => {
  it("count each run's outcome once, time verified ones, and count relapses", async () => {
    const text = await metricsAfter([
      event("execution.outcome", {
        from: "succeeded",
        to: "verified",
        exact: true,
        sinceStartMs: 220_000,
        sinceDispatchMs: 100_000,
      }),
      // Verified by the API check only: counted, but its time is only an upper bound.
      event("execution.outcome", { from: "succeeded", to: "verified", exact: false, sinceStartMs: 900_000 }),
      event("execution.outcome", { from: "succeeded", to: "not_cleared" }),
      event("execution.state", { from: "running", to: "failed" }),
      // The same run found rolled back later: already counted as failed.
      event("execution.state", { from: "failed", to: "rolled_back" }),
      event("execution.state", { from: "running", to: "rolled_back" }),
      event("execution.state", { from: "running", to: "succeeded" }),
      event("execution.relapse", { relapseOf: "ex_1" }),
      event(
        "execution.outcome",
        { from: "succeeded", to: "verified", exact: true, sinceStartMs: 1 },
        "<evil>",
      ),
    ]);
    const outcome = (runbook: string, name: string) =>
      new RegExp(
        `runbridge_execution_outcomes_total\\{runbook="${runbook}",outcome="${name}"\\} (\\d+)`,
      ).exec(text)?.[1];
    expect(
      ["verified", "not_cleared", "failed", "rolled_back"].map((name) => outcome("nginx-down", name)),
    ).toEqual(["2", "1", "1", "1"]);
    expect(outcome("other", "verified")).toBe("1");
    expect(text).not.toContain('outcome="succeeded"');
    expect(text).toContain(
      'runbridge_time_to_resolution_seconds_count{runbook="nginx-down",from="alert_start"} 1',
    );
    expect(text).toContain(
      'runbridge_time_to_resolution_seconds_sum{runbook="nginx-down",from="alert_start"} 220',
    );
    expect(text).toContain(
      'runbridge_time_to_resolution_seconds_bucket{le="300",runbook="nginx-down",from="alert_start"} 1',
    );
    expect(text).toContain(
      'runbridge_time_to_resolution_seconds_sum{runbook="nginx-down",from="dispatch"} 100',
    );
    expect(text).toContain('runbridge_relapses_total{runbook="nginx-down"} 1');
    expect(text).not.toContain("evil");
  });
});
