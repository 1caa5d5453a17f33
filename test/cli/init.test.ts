// `runbridge init` in temporary Git repositories (real git), pinning the Action through the
// GitHub API emulator, with what it writes checked by the real tools: actionlint for the
// workflows, `runbridge validate` for the runbooks, `amtool check-config` for the receiver.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { CliContext } from "../../bridge/cli/context.js";
import { runbooksWorkflow } from "../../bridge/cli/init/workflows.js";
import { runCli } from "../../bridge/cli/main.js";
import { findOnPath } from "../act/find-tool.js";
import { createGitHubEmulator, type GitHubEmulator } from "../github-emulator/index.js";
import { AMTOOL_BIN } from "../harness/alertmanager.js";
import { repoRoot, runbridge as runBinary } from "./run-cli.js";

const run = promisify(execFile);
const COMMIT = "5f1c9b0e3d2a4c6b8e0f1a2b3c4d5e6f7a8b9c0d";
const OTHER_COMMIT = "aaaabbbbccccddddeeeeffff0000111122223333";
const VERSION = `v${(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version}`;
const PINNED = `runbridge/runbridge/action@${COMMIT} # ${VERSION}`;
const SECRET_FILES = [".runbridge/alertmanager-receiver.yml", ".runbridge/bridge.env"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function runbridge(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const context: CliContext = {
    cwd,
    env,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readStdin: async () => "",
  };
  const code = await runCli(args, context);
  return { code, stdout, stderr };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8" });
}

const temps: string[] = [];
function tempRepo(origin = "git@github.com:acme/ops.git"): string {
  const dir = mkdtempSync(join(tmpdir(), "runbridge-init-"));
  temps.push(dir);
  git(dir, "init", "-q", "-b", "main");
  if (origin) git(dir, "remote", "add", "origin", origin);
  return dir;
}

/** Every file under `dir` (but .git) with its content and mtime, to prove nothing changed. */
function snapshot(dir: string): Record<string, { content: string; mtimeMs: number; mode: number }> {
  const files: Record<string, { content: string; mtimeMs: number; mode: number }> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || path.includes(`${join(dir, ".git")}`)) continue;
    const stat = statSync(path);
    files[path.slice(dir.length + 1)] = {
      content: readFileSync(path, "utf8"),
      mtimeMs: stat.mtimeMs,
      mode: stat.mode,
    };
  }
  return files;
}

let emulator: GitHubEmulator;
const actionlint = findOnPath("actionlint");

beforeAll(async () => {
  emulator = await createGitHubEmulator();
});
beforeEach(() => {
  emulator.reset();
  emulator.state.setRef(`tags/${VERSION}`, COMMIT, { repo: "runbridge/runbridge" });
});
afterAll(async () => {
  await emulator.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const api = () => ["--api-url", emulator.url];
const token = { GITHUB_TOKEN: "ghp_test" };

describe("runbridge init in a fresh repository", () => {
  let repo: string;
  let first: Run;
  // The top-level beforeEach resets the emulator, so keep what the first run sent.
  let sent: { requests: GitHubEmulator["requests"]; violations: GitHubEmulator["violations"] };
  beforeAll(async () => {
    emulator.reset();
    emulator.state.setRef(`tags/${VERSION}`, COMMIT, { repo: "runbridge/runbridge" });
    repo = tempRepo();
    first = await runbridge(
      ["init", ...api(), "--bridge-url", "https://runbridge.acme.example"],
      repo,
      token,
    );
    sent = { requests: [...emulator.requests], violations: [...emulator.violations] };
  });

  it("writes the starter runbooks, both workflows, the receiver and the bridge's env file", () => {
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    for (const path of [
      "runbooks/instance-down.yml",
      "runbooks/service-restart.yml",
      ".github/workflows/remediate.yml",
      ".github/workflows/runbooks.yml",
      ...SECRET_FILES,
    ]) {
      expect(first.stdout).toContain(`created      ${path}\n`);
    }
    expect(first.stdout).toContain(
      'Create the environment "remediation-production" (https://github.com/acme/ops/settings/environments)',
    );
    expect(first.stdout).toContain("runbridge app create --url https://runbridge.acme.example");
  });

  it("looks the release tag up once through the API, with the token, as GitHub's description allows", () => {
    expect(sent.violations).toEqual([]);
    expect(sent.requests.map((r) => [r.operationId, decodeURIComponent(r.path), r.auth?.token])).toEqual([
      ["git/get-ref", `/repos/runbridge/runbridge/git/ref/tags/${VERSION}`, "ghp_test"],
    ]);
  });

  it("generates remediate.yml from this repository's workflow, every ./action replaced by the released Action pinned by SHA", () => {
    const source = readFileSync(join(repoRoot, ".github/workflows/remediate.yml"), "utf8");
    const written = readFileSync(join(repo, ".github/workflows/remediate.yml"), "utf8");
    const localUses = source.match(/uses: \.\/action$/gm)?.length ?? 0;
    expect(localUses).toBeGreaterThan(0);
    expect(written).not.toContain("./action");
    expect(written.match(/uses: .*$/gm)?.filter((line) => line.includes(PINNED))).toHaveLength(localUses);
    // Apart from the header and the pinned lines, it is the source.
    const body = written.split("\n").slice(2).join("\n");
    expect(body.replaceAll(`uses: ${PINNED}`, "uses: ./action")).toBe(source);
    // The same jobs and steps as the source, parsed.
    const jobs = (text: string) => Object.keys((parse(text) as { jobs: object }).jobs);
    expect(jobs(written)).toEqual(jobs(source));
  });

  it("generates the runbook PR check from this repository's runbooks.yml, installing runbridge at the same commit", () => {
    const written = readFileSync(join(repo, ".github/workflows/runbooks.yml"), "utf8");
    const workflow = parse(written) as {
      on: { pull_request: { paths: string[] } };
      jobs: { check: { steps: { run?: string; uses?: string; with?: Record<string, unknown> }[] } };
    };
    expect(workflow.on.pull_request.paths).toEqual(["runbooks/**"]);
    const runs = workflow.jobs.check.steps.flatMap((step) => (step.run ? [step.run] : []));
    expect(runs[0]).toBe(`npm install --no-save --no-package-lock "github:runbridge/runbridge#${COMMIT}"`);
    expect(runs.slice(1)).toEqual([
      "npx runbridge validate runbooks",
      'npx runbridge diff --base "origin/$BASE_REF" runbooks >> "$GITHUB_STEP_SUMMARY"',
    ]);
    // No npm cache: the user's repository has no lock file for it to key on.
    const setupNode = workflow.jobs.check.steps.find((step) => step.uses?.startsWith("actions/setup-node"));
    expect(setupNode?.with).toEqual({ "node-version": 24 });
  });

  it("writes workflows actionlint accepts", () => {
    expect(actionlint, "actionlint must be on PATH (scripts/setup-test-deps.sh installs it)").toBeDefined();
    execFileSync(
      actionlint as string,
      ["-no-color", ".github/workflows/remediate.yml", ".github/workflows/runbooks.yml"],
      {
        cwd: repo,
        encoding: "utf8",
      },
    );
  });

  it("writes runbooks that runbridge validate accepts, examples included", async () => {
    const validate = await runbridge(["validate", join(repo, "runbooks")], repo);
    expect(validate.stdout).toBe("ok: 2 runbooks valid (examples: 4 checked)\n");
    expect(validate.code).toBe(0);
    expect(readFileSync(join(repo, "runbooks/service-restart.yml"), "utf8")).toMatch(
      /^environment: remediation-production$/m,
    );
  });

  it("writes a receiver amtool accepts in a minimal alertmanager.yml, with a fresh 256-bit bearer token", async () => {
    const receiver = readFileSync(join(repo, ".runbridge/alertmanager-receiver.yml"), "utf8");
    const { receivers } = parse(receiver) as {
      receivers: {
        name: string;
        webhook_configs: {
          url: string;
          send_resolved: boolean;
          http_config: { authorization: { type: string; credentials: string } };
        }[];
      }[];
    };
    const webhook = receivers[0]?.webhook_configs[0];
    expect(webhook?.url).toBe("https://runbridge.acme.example/webhook/alertmanager");
    expect(webhook?.send_resolved).toBe(true);
    expect(webhook?.http_config.authorization.type).toBe("Bearer");
    const secret = webhook?.http_config.authorization.credentials ?? "";
    expect(Buffer.from(secret, "base64url")).toHaveLength(32);
    expect(readFileSync(join(repo, ".runbridge/bridge.env"), "utf8")).toContain(
      `RUNBRIDGE_ALERTMANAGER_TOKEN=${secret}\nGITHUB_REPOSITORY=acme/ops\n`,
    );

    const config = join(repo, "alertmanager.yml");
    writeFileSync(config, `route:\n  receiver: runbridge\n${receiver}`);
    const { stdout } = await run(AMTOOL_BIN, ["check-config", config]);
    expect(stdout).toMatch(/SUCCESS/);
    expect(stdout).toMatch(/- 1 receivers/);
    rmSync(config);
  });

  it("keeps the files holding the token private: mode 0600, and ignored by Git in this clone", () => {
    for (const file of SECRET_FILES) expect(statSync(join(repo, file)).mode & 0o777).toBe(0o600);
    expect(git(repo, "status", "--porcelain", "--untracked-files=all")).not.toContain(".runbridge");
    expect(git(repo, "status", "--porcelain", "--untracked-files=all")).toContain(
      "runbooks/instance-down.yml",
    );
    expect(git(repo, "ls-files", "--others", "--ignored", "--exclude-standard")).toContain(
      ".runbridge/bridge.env",
    );
  });

  it("changes nothing when run again with nothing changed, and keeps the token", async () => {
    const before = snapshot(repo);
    const exclude = readFileSync(join(repo, ".git/info/exclude"), "utf8");
    const again = await runbridge(
      ["init", ...api(), "--bridge-url", "https://runbridge.acme.example"],
      repo,
      token,
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^runbridge init: nothing to change; every file is as init would write it\.\n/,
    );
    expect(again.stdout).not.toMatch(/created|skipped|overwritten/);
    expect(snapshot(repo)).toEqual(before);
    expect(readFileSync(join(repo, ".git/info/exclude"), "utf8")).toBe(exclude);
  });
});

describe("runbridge init with files that differ", () => {
  it("skips a changed file and says why, then replaces it with --force, keeping the token", async () => {
    const repo = tempRepo();
    const args = ["init", "--action-ref", COMMIT, "--action-version", "v1.2.3"];
    expect((await runbridge(args, repo)).code).toBe(0);
    const receiver = readFileSync(join(repo, ".runbridge/alertmanager-receiver.yml"), "utf8");
    const edited = "# our own tweaks\n";
    writeFileSync(join(repo, "runbooks/instance-down.yml"), edited);

    const skipped = await runbridge(args, repo);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain(
      "skipped      runbooks/instance-down.yml: exists and differs from what init writes; kept as it is (run with --force to replace it)",
    );
    expect(skipped.stdout).toContain("unchanged    runbooks/service-restart.yml");
    expect(readFileSync(join(repo, "runbooks/instance-down.yml"), "utf8")).toBe(edited);

    const forced = await runbridge([...args, "--force"], repo);
    expect(forced.stdout).toContain("overwritten (--force) runbooks/instance-down.yml");
    expect(readFileSync(join(repo, "runbooks/instance-down.yml"), "utf8")).toContain("name: instance-down");
    // The token Alertmanager already has stays valid.
    expect(readFileSync(join(repo, ".runbridge/alertmanager-receiver.yml"), "utf8")).toBe(receiver);
  });

  it("writes the Action pinned by --action-ref without asking GitHub, and the chosen environment", async () => {
    const repo = tempRepo("https://github.com/acme/payments.git");
    const result = await runbridge(
      [
        "init",
        "--action-ref",
        OTHER_COMMIT,
        "--action-version",
        "v2.0.1",
        "--environment",
        "prod-eu",
        "--alertmanager-url",
        "http://am:9093",
      ],
      repo,
    );
    expect(result.code).toBe(0);
    expect(emulator.requests).toEqual([]);
    expect(readFileSync(join(repo, ".github/workflows/remediate.yml"), "utf8")).toContain(
      `uses: runbridge/runbridge/action@${OTHER_COMMIT} # v2.0.1\n`,
    );
    expect(readFileSync(join(repo, "runbooks/service-restart.yml"), "utf8")).toMatch(
      /^environment: prod-eu$/m,
    );
    expect(readFileSync(join(repo, ".runbridge/bridge.env"), "utf8")).toContain(
      "GITHUB_REPOSITORY=acme/payments\nALERTMANAGER_URL=http://am:9093\n",
    );
    expect((await runbridge(["validate", join(repo, "runbooks")], repo)).code).toBe(0);
  });
});

describe("runbridge init pinning the release", () => {
  it("follows an annotated tag to its commit, without a token on a public repository", async () => {
    const open = await createGitHubEmulator({ requireAuth: false });
    try {
      const tagSha = open.state.setAnnotatedTag("v3.1.4", OTHER_COMMIT, { repo: "runbridge/runbridge" });
      const repo = tempRepo();
      const result = await runbridge(["init", "--api-url", open.url, "--action-version", "v3.1.4"], repo);
      expect(result.stderr).toBe("");
      expect(open.violations).toEqual([]);
      expect(open.requests.map((r) => [r.operationId, decodeURIComponent(r.path), r.auth])).toEqual([
        ["git/get-ref", "/repos/runbridge/runbridge/git/ref/tags/v3.1.4", null],
        ["git/get-tag", `/repos/runbridge/runbridge/git/tags/${tagSha}`, null],
      ]);
      const remediate = readFileSync(join(repo, ".github/workflows/remediate.yml"), "utf8");
      expect(remediate).toContain(`uses: runbridge/runbridge/action@${OTHER_COMMIT} # v3.1.4\n`);
      expect(remediate).not.toContain(tagSha);
    } finally {
      await open.close();
    }
  });

  it("fails without writing anything when the release tag does not exist, saying how to pin offline", async () => {
    const repo = tempRepo();
    const result = await runbridge(["init", ...api(), "--action-version", "v9.9.9"], repo, token);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("runbridge/runbridge has no release tag v9.9.9");
    expect(result.stderr).toContain("--action-ref");
    expect(readdirSync(repo)).toEqual([".git"]);
  });

  it("refuses a tag or branch as --action-ref: only a SHA cannot move", async () => {
    const result = await runbridge(["init", "--action-ref", "v1"], tempRepo());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--action-ref "v1" is not a commit SHA');
  });

  it("refuses a bridge URL that is not http(s)", async () => {
    const result = await runbridge(
      ["init", "--action-ref", COMMIT, "--bridge-url", "ftp://bridge"],
      tempRepo(),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--bridge-url "ftp://bridge" is not an http(s) URL');
  });

  it("says to run it in a Git repository when the directory is not one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "runbridge-init-nogit-"));
    temps.push(dir);
    const result = await runbridge(["init", "--action-ref", COMMIT], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is not inside a Git repository");
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("the workflow generation", () => {
  it("fails loudly, naming the edit, when the source workflow changed shape", () => {
    const source = readFileSync(join(repoRoot, ".github/workflows/runbooks.yml"), "utf8");
    const pin = { repository: "runbridge/runbridge", sha: COMMIT, version: "v1.0.0" };
    expect(() => runbooksWorkflow(source.replace("- run: npm ci", "- run: npm install"), pin)).toThrow(
      /runbooks\.yml no longer has 1 match\(es\) of .*npm ci.*update bridge\/cli\/init\/workflows\.ts/,
    );
    expect(() => runbooksWorkflow(source, { ...pin, sha: "v1" })).toThrow(/40-hex commit SHA/);
  });
});

describe("the runbridge binary", () => {
  it("runs init where the user is, and validate accepts what it wrote", () => {
    const repo = tempRepo();
    const init = runBinary(["init", "--action-ref", COMMIT], { cwd: repo });
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("created      .github/workflows/remediate.yml");
    const validate = runBinary(["validate"], { cwd: repo });
    expect(validate.stdout).toBe("ok: 2 runbooks valid (examples: 4 checked)\n");
  });
});
