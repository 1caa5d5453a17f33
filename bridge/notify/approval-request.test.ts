import { describe, expect, it } from "vitest";
import { resolveRunbook } from "../runbooks/resolve.js";
import type { ResolvedStep } from "../runbooks/resolved-runbook.js";
import type { Step } from "../runbooks/runbook.types.js";
import { describeStep } from "../runbooks/step-description.js";
import { stepItem } from "./approval-request.js";

function resolved(step: Step): ResolvedStep {
  const [first] = resolveRunbook({
    name: "nginx-down",
    description: "test",
    owner: "@test",
    match: { alertname: "NginxDown" },
    mode: "approval",
    steps: { remediate: [step] },
  }).steps.remediate;
  if (!first) throw new Error("the resolver dropped the step");
  return first;
}

describe("a held approval's steps", () => {
  it.each<Step>([
    { name: "answers", http: { url: "http://{{target}}/healthz", method: "HEAD" } },
    { name: "calm", promql: { url: "http://prometheus:9090", query: "up == 0", expect: "empty" } },
    { name: "settle", wait: "30s" },
  ])("say what the Action's dry run says: %j", (step) => {
    const item = stepItem(resolved(step));
    expect(item).toBe(`- ${step.name}: ${describeStep(resolved(step)).summary}`);
  });

  it("show a script verbatim in a fenced block under the item", () => {
    expect(
      stepItem(resolved({ name: "restart", run: 'ssh "$TARGET" sudo systemctl restart nginx\nuptime\n' })),
    ).toBe(
      '- restart: would run (bash)\n\n  ```\n  ssh "$TARGET" sudo systemctl restart nginx\n  uptime\n  ```',
    );
  });

  it("fence a script with backticks so it cannot close the block early", () => {
    const item = stepItem(resolved({ name: "tricky", run: "echo ```\n@everyone [x](http://evil)" }));
    expect(item).toBe(
      "- tricky: would run (bash)\n\n  ````\n  echo ```\n  @everyone [x](http://evil)\n  ````",
    );
  });
});
