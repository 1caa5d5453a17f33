/**
 * The shipped catalogue against the alerts people really have: every alert of
 * test/fixtures/catalogue/real-alerts.yml (labels as kubernetes-mixin, node-mixin, blackbox
 * rules and the background documents send them) goes through the real loading of runbooks/
 * and the real match index, and must reach the runbook the fixture names.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { describeAlert } from "../../bridge/runbooks/examples.js";
import { loadRunbookSet } from "../../bridge/runbooks/runbook-set.js";

interface RealAlert {
  source: string;
  labels: Record<string, string> & { alertname: string };
  annotations?: Record<string, string>;
  runbook?: string;
  target?: string;
}

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = parse(readFileSync(`${root}test/fixtures/catalogue/real-alerts.yml`, "utf8")) as {
  alerts: RealAlert[];
  unrouted: RealAlert[];
};
const { set, problems } = loadRunbookSet(`${root}runbooks`);

function route(alert: RealAlert) {
  if (!set) throw new Error(`runbooks/ does not load: ${problems.map(String).join("; ")}`);
  return set.index.route({ labels: alert.labels, annotations: alert.annotations ?? {} });
}

describe("the shipped runbooks route real alerts", () => {
  it("load as one valid set", () => {
    expect(problems.map(String)).toEqual([]);
  });

  it.each(fixture.alerts.map((alert) => [alert.source, alert] as const))("%s", (_, alert) => {
    const result = route(alert);
    const reached = result.winner?.runbook.runbook.name;
    if (reached === undefined) {
      const misses = result.rejected.map((miss) => `${miss.runbook.runbook.name}: ${miss.reason}`);
      expect.fail(
        `${describeAlert(alert.labels)} routes nowhere (${result.reason}${misses.length > 0 ? `; near misses: ${misses.join("; ")}` : ""})`,
      );
    }
    expect({ runbook: reached, target: result.target }).toEqual({
      runbook: alert.runbook,
      target: alert.target,
    });
  });

  it.each(fixture.unrouted.map((alert) => [alert.source, alert] as const))(
    "%s reaches no runbook",
    (_, alert) => {
      expect(route(alert).winner?.runbook.runbook.name).toBeUndefined();
    },
  );

  it("names a shipped runbook for every alert, and every new runbook is exercised", () => {
    const names = new Set(set?.runbooks.map((loaded) => loaded.runbook.name));
    const reached = new Set(fixture.alerts.map((alert) => alert.runbook));
    expect([...reached].filter((name) => !names.has(name ?? ""))).toEqual([]);
    // Each runbook written for these rule sets is reached by at least one real alert.
    expect([...names].filter((name) => !reached.has(name))).toEqual([]);
  });
});
