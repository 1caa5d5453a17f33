// Static rules for the workflows this repository ships: the run-name the bridge searches by,
// the concurrency that never cancels a remediation, least privilege, and no event or input
// data expanded inside a `run:` script. actionlint runs too when it is installed.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SECRET_PHASES, SECRET_SLOTS } from "../../bridge/runbooks/phase-secrets.js";
import { REPO_ROOT } from "./e2e-repo.js";
import { findOnPath } from "./find-tool.js";

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  "runs-on"?: string | string[];
  outputs?: Record<string, string>;
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

  it("keeps plan on a GitHub-hosted runner and runs every phase job on the runbook's runsOn", () => {
    expect(workflow.jobs.plan?.["runs-on"]).toBe("ubuntu-latest");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
    expect(workflow.jobs.plan?.outputs?.runs_on).toBe("${{ steps.plan.outputs.runs-on }}");
    for (const phase of Object.keys(SECRET_PHASES)) {
      // Notify runs even after a failed plan, which leaves runs_on empty.
      const expected =
        phase === "notify"
          ? `\${{ fromJSON(needs.plan.outputs.runs_on || '["ubuntu-latest"]') }}`
          : `\${{ fromJSON(needs.plan.outputs.runs_on) }}`;
      expect(workflow.jobs[phase]?.["runs-on"], phase).toBe(expected);
    }
  });

  describe.each(Object.keys(SECRET_PHASES))("the %s job", (phase) => {
    const output = `secrets_${phase.replaceAll("-", "_")}`;
    const action = () => workflow.jobs[phase]?.steps.find((step) => step.uses === "./action");

    it("gets the plan's list of its secret names", () => {
      expect(workflow.jobs.plan?.outputs?.[output]).toBe(`\${{ steps.plan.outputs.secrets-${phase} }}`);
    });

    it(`passes the Action only the secrets in that list, name by name in ${SECRET_SLOTS} slots`, () => {
      const text = String(action()?.with?.secrets ?? "");
      const match = /^\$\{\{ format\('([^']*)',\s*([\s\S]*)\) \}\}$/.exec(text);
      expect(match, text).not.toBeNull();
      const [, template, args] = match as RegExpExecArray;
      // {"{0}":{1},"{2}":{3},…}: slot i's name at 2i, its value at 2i+1.
      const keys = Array.from({ length: SECRET_SLOTS }, (_, slot) => `"{${2 * slot}}":{${2 * slot + 1}}`);
      expect(template).toBe(`{{${keys.join(",")}}}`);
      const names = `fromJSON(needs.plan.outputs.${output} || '[]')`;
      const expected = Array.from(
        { length: SECRET_SLOTS },
        (_, slot) => `${names}[${slot}], toJSON(secrets[${names}[${slot}]])`,
      );
      expect((args ?? "").split(/,\s*\n?\s*(?=fromJSON)/)).toEqual(expected);
    });
  });

  it("reads the secrets context nowhere else", () => {
    const text = readFileSync(join(REPO_ROOT, ".github/workflows/remediate.yml"), "utf8")
      .split("\n")
      .filter((line) => !line.trimStart().startsWith("#"))
      .join("\n");
    // Every use of the context (secrets[…], secrets.NAME, toJSON(secrets), …) outside comments;
    // not the input's key (secrets:).
    const uses = [...text.matchAll(/(?<![\w.-])secrets(?![\w-])(.?)/g)].map((hit) => `secrets${hit[1]}`);
    expect(uses.filter((use) => use !== "secrets " && use !== "secrets:")).toEqual(
      Array(Object.keys(SECRET_PHASES).length * SECRET_SLOTS).fill("secrets["),
    );
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
