/**
 * @module
 * What `runbridge init` needs to know about the repository it runs in: its root, the GitHub
 * `owner/name` its `origin` points at, and a local exclude so the secret files it writes are
 * never committed by accident. Git runs with an argument array, never through a shell.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { CliError } from "../context.js";

function git(cwd: string, args: readonly string[]): { ok: boolean; out: string; err: string } {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (result.error) {
    throw new CliError(`cannot run git (${result.error.message}); install git and make sure it is on PATH.`);
  }
  return { ok: result.status === 0, out: result.stdout.trim(), err: result.stderr.trim() };
}

/**
 * @returns the top-level directory of the work tree holding `cwd`
 * @throws CliError when `cwd` is not inside a Git work tree
 */
export function repositoryRoot(cwd: string): string {
  const found = git(cwd, ["rev-parse", "--show-toplevel"]);
  if (!found.ok || found.out === "") {
    throw new CliError(
      `${cwd} is not inside a Git repository (${found.err.split("\n")[0]}); run runbridge init in a clone of the repository that will hold the runbooks (or git init first).`,
    );
  }
  return found.out;
}

/** `owner/name` from a GitHub remote URL (https, ssh or scp-like), else undefined. */
export function gitHubRepositoryOf(remoteUrl: string): string | undefined {
  const match =
    /^(?:https?:\/\/(?:[^@/]+@)?github\.com\/|ssh:\/\/git@github\.com\/|git@github\.com:)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(
      remoteUrl,
    );
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** The GitHub repository `origin` points at, if it points at github.com. */
export function originRepository(root: string): string | undefined {
  const origin = git(root, ["remote", "get-url", "origin"]);
  return origin.ok ? gitHubRepositoryOf(origin.out) : undefined;
}

/**
 * Makes Git ignore `pattern` in this clone only (`.git/info/exclude`), unless something already
 * ignores `probe`. Leaves the repository's own `.gitignore` alone.
 * @returns true when it added the pattern
 */
export function excludeLocally(root: string, pattern: string, probe: string): boolean {
  if (git(root, ["check-ignore", "-q", "--no-index", probe]).ok) return false;
  const where = git(root, ["rev-parse", "--git-path", "info/exclude"]);
  if (!where.ok) throw new CliError(`cannot find this clone's info/exclude file: ${where.err}`);
  const file = isAbsolute(where.out) ? where.out : join(root, where.out);
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (current.split("\n").includes(pattern)) return false;
  mkdirSync(dirname(file), { recursive: true });
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  appendFileSync(file, `${separator}# runbridge init: files holding credentials\n${pattern}\n`);
  return true;
}
