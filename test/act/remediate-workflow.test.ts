// Static rules for the workflows this repository ships: the run-name the bridge searches by,
// the concurrency that never cancels a remediation, least privilege, and no event or input
// data expanded inside a `run:` script. actionlint runs too when it is installed.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "./e2e-repo.js";
import { findOnPath } from "./find-tool.js";

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string>;
  environment?: string;
  needs?: string | string[];
  if?: string;
  steps: Step[];
}
interface Workflow {
  "run-name"?: string;
  on: Record<string, unknown>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const WORKFLOWS = ["remediate.yml", "check-dist.yml"];
const load = (file: string) =>
  parse(readFileSync(join(REPO_ROOT, ".github/workflows", file), "utf8")) as Workflow;

describe("remediate.yml", () => {
  const workflow = load("remediate.yml");

  it("names runs 'Remediate <the bridge's run_name, else runbook on target> [<execution_id>]'", () => {
    const name = workflow["run-name"] ?? "";
    expect(name).toMatch(
      /^Remediate \$\{\{ inputs\.run_name \|\| github\.event\.client_payload\.run_name \|\| format\('\{0\} on \{1\}', inputs\.runbook \|\| [^,]+, inputs\.target \|\| [^)]+\) \}\} \[\$\{\{ inputs\.execution_id \|\| .+ \}\}\]$/,
    );
    expect(name).toContain("github.event.client_payload.execution_id");
  });

  it("runs one remediation per runbook and target, never cancelling one in progress", () => {
    expect(workflow.concurrency?.group).toMatch(/^remediate-\$\{\{.*runbook.*\}\}-\$\{\{.*target.*\}\}$/);
    expect(workflow.concurrency?.["cancel-in-progress"]).toBe(false);
  });

  it("accepts workflow_dispatch with the bridge's inputs and repository_dispatch of type runbridge", () => {
    const dispatch = workflow.on.workflow_dispatch as { inputs: Record<string, { required?: boolean }> };
    expect(Object.keys(dispatch.inputs).sort()).toEqual(
      ["alert", "dry_run", "execution_id", "run_name", "runbook", "runbook_sha", "severity", "target"].sort(),
    );
    expect(dispatch.inputs.runbook?.required).toBe(true);
    expect(workflow.on.repository_dispatch).toEqual({ types: ["runbridge"] });
  });

  it("runs the phases in order, remediate in the runbook's environment, notify always", () => {
    const needs = (job: string) => [workflow.jobs[job]?.needs ?? []].flat();
    expect(Object.keys(workflow.jobs)).toEqual([
      "plan",
      "health-check",
      "diagnostics",
      "remediate",
      "verify",
      "rollback",
      "notify",
    ]);
    expect(needs("remediate")).toContain("diagnostics");
    expect(needs("rollback")).toContain("verify");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
    expect(workflow.jobs.remediate?.environment).toBe("${{ needs.plan.outputs.environment }}");
    expect(workflow.jobs.rollback?.if).toContain("needs.verify.result == 'failure'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
    expect(workflow.jobs.notify?.if).toBe("${{ always() }}");
    expect(needs("notify")).toEqual([
      "plan",
      "health-check",
      "diagnostics",
      "remediate",
      "verify",
      "rollback",
    ]);
  });

  it("grants only contents: read, plus issues: write to notify", () => {
    expect(workflow.permissions).toEqual({ contents: "read" });
    for (const [name, job] of Object.entries(workflow.jobs)) {
      if (name === "notify") expect(job.permissions).toEqual({ contents: "read", issues: "write" });
      else expect(job.permissions).toBeUndefined();
    }
  });
});

describe.each(WORKFLOWS)("%s", (file) => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
  it("expands no ${{ }} expression inside a run: script", () => {
    for (const [name, job] of Object.entries(load(file).jobs)) {
      for (const step of job.steps) {
        expect(step.run ?? "", `job ${name}`).not.toContain("${{");
      }
    }
  });

  it("pins every remote action to a full commit sha", () => {
    for (const job of Object.values(load(file).jobs)) {
      for (const step of job.steps) {
        if (step.uses && !step.uses.startsWith("./")) expect(step.uses).toMatch(/@[0-9a-f]{40}$/);
      }
    }
  });
});

const actionlint = findOnPath("actionlint");
describe.skipIf(!actionlint)("actionlint", () => {
  it("accepts the workflows", () => {
    const files = WORKFLOWS.map((file) => join(".github/workflows", file));
    // Throws with actionlint's findings in the message when it exits non-zero.
    execFileSync(actionlint as string, ["-no-color", ...files], { cwd: REPO_ROOT, encoding: "utf8" });
  });
});
