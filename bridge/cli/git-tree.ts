/**
 * @module
 * Reads a runbooks directory as it was at a Git ref, without touching the work tree:
 * `git ls-tree` lists the files, `git cat-file` reads each blob. Git is always spawned
 * with an argument array, never through a shell, so a ref or path cannot inject commands.
 */
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { RUNBOOK_FILE } from "../runbooks/load.js";
import type { RunbookSource } from "../runbooks/runbook-set.js";
import { CliError } from "./context.js";

function git(cwd: string, args: readonly string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw new CliError(`cannot run git (${result.error.message}); install git and make sure it is on PATH.`);
  }
  if (result.status !== 0) {
    const detail = result.stderr.trim().split("\n")[0] ?? "";
    throw new CliError(`git ${args.join(" ")} failed in ${cwd}: ${detail}`);
  }
  return result.stdout;
}

/** Like realpathSync, but for a path that may not exist (yet): resolves its nearest existing parent. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPath(parent), basename(path));
  }
}

function nearestDirectory(path: string): string {
  return existsSync(path) || dirname(path) === path ? path : nearestDirectory(dirname(path));
}

/** The repository root holding `dir`, and `dir` relative to it in Git's spelling (`a/b`). */
export function locateInRepository(cwd: string, dir: string): { root: string; path: string } {
  const absolute = resolve(cwd, dir);
  let root: string;
  try {
    root = git(nearestDirectory(absolute), ["rev-parse", "--show-toplevel"]).trim();
  } catch (error) {
    throw new CliError(
      `${dir} is not inside a Git repository (${(error as Error).message}); run runbridge diff from a clone.`,
    );
  }
  // Compare real paths: the temp dir or the checkout may sit behind a symlink.
  const path = relative(realPath(root), realPath(absolute)).split(sep).join("/");
  if (path.startsWith("..")) throw new CliError(`${dir} is outside the Git repository at ${root}`);
  return { root, path };
}

/**
 * The runbook files of `dir` at `ref`, named `<ref>:<path>`. An empty list when the
 * directory did not exist yet at that ref (a PR that adds the first runbooks).
 * @throws CliError when the ref is unknown, with how to fetch it
 */
export function readRunbooksAtRef(cwd: string, dir: string, ref: string): RunbookSource[] {
  const { root, path } = locateInRepository(cwd, dir);
  if (ref.startsWith("-")) throw new CliError(`"${ref}" is not a Git ref; pass e.g. --base origin/main`);
  const verify = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
    cwd: root,
    encoding: "utf8",
  });
  if (verify.status !== 0) {
    throw new CliError(
      `the base ref ${ref} is not a commit in ${root}. Fetch it first (git fetch origin <branch>, or actions/checkout with fetch-depth: 0).`,
    );
  }
  const commit = verify.stdout.trim();
  const prefix = path === "" ? "" : `${path}/`;
  const listing = git(root, [
    "--literal-pathspecs",
    "ls-tree",
    "-z",
    "--full-tree",
    commit,
    "--",
    prefix === "" ? "." : prefix,
  ]);
  const sources: RunbookSource[] = [];
  for (const entry of listing.split("\0")) {
    // "<mode> <type> <object>\t<path>"
    const tab = entry.indexOf("\t");
    if (tab < 0) continue;
    const [, type, object] = entry.slice(0, tab).split(" ");
    const file = entry.slice(tab + 1);
    const name = file.slice(prefix.length);
    if (type !== "blob" || object === undefined || name.includes("/") || !RUNBOOK_FILE.test(name)) continue;
    sources.push({ file: `${ref}:${file}`, text: git(root, ["cat-file", "blob", object]) });
  }
  return sources.sort((a, b) => a.file.localeCompare(b.file));
}
