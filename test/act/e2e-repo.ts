// A throwaway git repository holding what a real run checks out: the remediate workflow, the
// Action with its committed bundle, and the runbooks. act runs the workflow from it, and the
// local checkout stand-in clones it at the requested commit.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], {
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "e2e",
      GIT_AUTHOR_EMAIL: "e2e@example.invalid",
      GIT_COMMITTER_NAME: "e2e",
      GIT_COMMITTER_EMAIL: "e2e@example.invalid",
    },
  }).trim();
}

/**
 * Creates the repository in `dir` and commits it.
 * @param runbooks file name → YAML text
 * @returns the commit sha
 */
export function createE2eRepo(dir: string, runbooks: Record<string, string>): string {
  mkdirSync(join(dir, ".github/workflows"), { recursive: true });
  cpSync(join(REPO_ROOT, ".github/workflows/remediate.yml"), join(dir, ".github/workflows/remediate.yml"));
  mkdirSync(join(dir, "action"), { recursive: true });
  cpSync(join(REPO_ROOT, "action/action.yml"), join(dir, "action/action.yml"));
  cpSync(join(REPO_ROOT, "action/dist"), join(dir, "action/dist"), { recursive: true });
  mkdirSync(join(dir, "runbooks"), { recursive: true });
  for (const [file, text] of Object.entries(runbooks)) writeFileSync(join(dir, "runbooks", file), text);
  git(dir, "init", "--quiet", "--initial-branch=main");
  git(dir, "add", "--all");
  git(dir, "commit", "--quiet", "--message", "e2e fixture");
  // act derives github.repository from the origin URL; it is never contacted.
  git(dir, "remote", "add", "origin", "https://github.com/runbridge-e2e/remediation.git");
  return git(dir, "rev-parse", "HEAD");
}

/** Commits a change to one runbook; returns the new sha. */
export function commitRunbook(dir: string, file: string, text: string): string {
  writeFileSync(join(dir, "runbooks", file), text);
  git(dir, "commit", "--quiet", "--all", "--message", `change ${file}`);
  return git(dir, "rev-parse", "HEAD");
}
