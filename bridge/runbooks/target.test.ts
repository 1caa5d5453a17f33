import { describe, expect, it } from "vitest";
import type { Runbook } from "./runbook.types.js";
import { extractTarget, isTargetAllowed } from "./target.js";

function runbookWith(target: Runbook["target"]): Runbook {
  return {
    name: "nginx-down",
    description: "test",
    owner: "@acme/web-sre",
    match: { alertname: "NginxDown" },
    mode: "auto",
    ...(target ? { target } : {}),
  };
}

describe("extractTarget", () => {
  it.each([
    [
      "host:port keeps the host",
      { label: "instance", pattern: "^([^:]+)" },
      "web-1.example.com:9113",
      "web-1.example.com",
    ],
    ["a value without a port is kept whole", { label: "instance", pattern: "^([^:]+)" }, "web-1", "web-1"],
    [
      "a named group wins",
      { label: "instance", pattern: "^(https?)://(?<target>[^/:]+)" },
      "https://api.example.com/x",
      "api.example.com",
    ],
    [
      "an optional group that did not take part falls back to the whole match",
      { label: "pod", pattern: "^cart(-canary)?" },
      "cart-7f9c2",
      "cart",
    ],
    [
      "a pattern that does not match gives no target",
      { label: "instance", pattern: "^db-" },
      "web-1",
      undefined,
    ],
  ])("%s", (_, target, value, expected) => {
    expect(extractTarget(runbookWith(target), { alertname: "NginxDown", [target.label]: value })).toBe(
      expected,
    );
  });

  it("gives no target when the runbook names none", () => {
    expect(
      extractTarget(runbookWith(undefined), { alertname: "NginxDown", instance: "web-1" }),
    ).toBeUndefined();
  });
});

describe("isTargetAllowed", () => {
  it.each<[string, Runbook["target"], string | undefined, boolean]>([
    ["no allow-list allows any target", { label: "instance" }, "anything", true],
    ["no allow-list allows a missing target", { label: "instance" }, undefined, true],
    ["a glob allows what it matches", { label: "instance", allow: "web-*" }, "web-1", true],
    ["a glob refuses what it does not match", { label: "instance", allow: "web-*" }, "db-1", false],
    ["an allow-list refuses a missing target", { label: "instance", allow: "web-*" }, undefined, false],
    ["a list allows any of its globs", { label: "instance", allow: ["web-*", "edge-*"] }, "edge-3", true],
    [
      "a negation carves out of a list",
      { label: "instance", allow: ["pg-*", "!pg-*-primary*"] },
      "pg-orders-primary-1",
      false,
    ],
    [
      "a negation leaves the rest",
      { label: "instance", allow: ["pg-*", "!pg-*-primary*"] },
      "pg-orders-2",
      true,
    ],
    [
      "a negation-only list allows everything else",
      { label: "service", allow: "!payments-*" },
      "checkout",
      true,
    ],
    [
      "a negation-only list refuses what it names",
      { label: "service", allow: "!payments-*" },
      "payments-api",
      false,
    ],
  ])("%s", (_, target, value, allowed) => {
    expect(isTargetAllowed(runbookWith(target), value)).toBe(allowed);
  });
});
