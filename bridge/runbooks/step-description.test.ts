import { describe, expect, it } from "vitest";
import { resolveRunbook } from "./resolve.js";
import type { ResolvedStep } from "./resolved-runbook.js";
import type { Step } from "./runbook.types.js";
import { describeStep, stepDescriptionText } from "./step-description.js";

function resolved(step: Step): ResolvedStep {
  const runbook = resolveRunbook({
    name: "nginx-down",
    description: "test",
    owner: "@test",
    match: { alertname: "NginxDown" },
    mode: "auto",
    steps: { remediate: [step] },
  });
  const [first] = runbook.steps.remediate;
  if (!first) throw new Error("the resolver dropped the step");
  return first;
}

describe("describeStep", () => {
  it.each([
    [
      { name: "restart", run: "systemctl restart nginx\nsystemctl status nginx" },
      { summary: "would run (bash)", script: "systemctl restart nginx\nsystemctl status nginx" },
    ],
    [
      { name: "answers", http: { url: "http://{{target}}/healthz" } },
      { summary: "would send GET http://{{target}}/healthz" },
    ],
    [
      { name: "calm", promql: { url: "http://prometheus:9090", query: "up == 0", expect: "empty" } },
      { summary: "would query http://prometheus:9090: up == 0 (expect empty)" },
    ],
    [{ name: "settle", wait: "30s" }, { summary: "would wait 30s" }],
  ] as [Step, ReturnType<typeof describeStep>][])("describes %j", (step, expected) => {
    expect(describeStep(resolved(step))).toEqual(expected);
  });

  it("puts a script on the lines after the summary as plain text", () => {
    expect(stepDescriptionText(resolved({ name: "restart", run: "a\nb", shell: "sh" }))).toBe(
      "would run (sh):\na\nb",
    );
    expect(stepDescriptionText(resolved({ name: "settle", wait: "5s" }))).toBe("would wait 5s");
  });
});
