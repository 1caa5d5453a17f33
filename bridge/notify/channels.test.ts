import { describe, expect, it } from "vitest";
import type { NotifyWhen } from "../runbooks/resolved-runbook.js";
import { notifiesOn, opensIssue } from "./channels.js";

describe("notifiesOn", () => {
  it.each<[NotifyWhen, boolean, boolean]>([
    ["always", true, true],
    ["always", false, true],
    ["success", true, true],
    ["success", false, false],
    ["failure", true, false],
    ["failure", false, true],
  ])("a %s channel, success %s: %s", (when, success, told) => {
    expect(notifiesOn(when, success)).toBe(told);
  });
});

describe("opensIssue", () => {
  const channel = (severities: string[]) => ({ labels: [], assignees: [], severities });

  it.each<[string, string[], string, boolean]>([
    ["the default list opens issues for critical alerts", ["critical"], "critical", true],
    ["the default list opens none for warnings", ["critical"], "warning", false],
    ["a longer list opens issues for each severity it names", ["critical", "warning"], "warning", true],
    ["severities are compared exactly", ["critical"], "Critical", false],
    ["an alert without a severity label (none) opens none unless listed", ["critical"], "none", false],
    ["an empty list opens issues for no severity at all", [], "critical", false],
    ["an empty list opens none for an alert without a severity either", [], "none", false],
  ])("%s", (_, severities, severity, opens) => {
    expect(opensIssue(channel(severities), severity)).toBe(opens);
  });
});
