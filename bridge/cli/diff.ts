/**
 * @module
 * `runbridge diff --base <git-ref> [dir]`: what a change to the runbooks does, as a
 * markdown report for a pull request. The base side is read from Git at the ref, the
 * head side from the working tree.
 */

import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { listRunbookFiles } from "../runbooks/load.js";
import type { RunbookSource } from "../runbooks/runbook-set.js";
import { parseCommandArgs } from "./args.js";
import { type CliContext, CliError, UsageError } from "./context.js";
import { renderDiffMarkdown } from "./diff-markdown.js";
import { readRunbooksAtRef } from "./git-tree.js";
import { diffRunbooks, readSide } from "./runbook-diff.js";
import { runbooksDir } from "./runbooks-dir.js";

export const diffUsage = `Usage: runbridge diff --base <git-ref> [dir] [--output file]

Compares the runbooks in dir (default: $RUNBRIDGE_RUNBOOKS, else ./runbooks) in the working
tree with the same directory at <git-ref>, and prints a markdown report for a PR comment or
$GITHUB_STEP_SUMMARY: runbooks added, removed and changed (with the changed fields), and
every example alert of either side whose routing (runbook, target) changes.

Exits 1 when the working tree's runbooks are invalid (the report lists the problems),
or when the ref or the directory cannot be read; 0 otherwise.

Options:
  --base <git-ref>  the ref to compare with, e.g. origin/main (required; needs the history:
                    actions/checkout with fetch-depth: 0)
  --output <file>   write the report to file instead of stdout
  -h, --help        show this help`;

function readWorkingTree(dir: string): RunbookSource[] {
  let files: string[];
  try {
    files = listRunbookFiles(dir);
  } catch (error) {
    throw new CliError(`cannot read the runbooks directory ${dir}: ${(error as Error).message}`);
  }
  return files.map((file) => ({ file, text: readFileSync(file, "utf8") }));
}

export async function diffCommand(args: readonly string[], context: CliContext): Promise<number> {
  const { help, values, positionals } = parseCommandArgs(
    args,
    { base: { type: "string" }, output: { type: "string" } },
    1,
    diffUsage,
  );
  if (help) {
    context.stdout(`${diffUsage}\n`);
    return 0;
  }
  if (!values.base) throw new UsageError("missing --base <git-ref>, e.g. --base origin/main", diffUsage);

  const dir = runbooksDir(positionals[0], context);
  const base = readSide(values.base, readRunbooksAtRef(context.cwd, dir, values.base));
  const head = readSide("working tree", readWorkingTree(dir));
  const report = renderDiffMarkdown(diffRunbooks(base, head), `runbridge validate ${dir}`);

  if (values.output) {
    try {
      await writeFile(values.output, report);
    } catch (error) {
      throw new CliError(`cannot write the report to ${values.output}: ${(error as Error).message}`);
    }
  } else {
    context.stdout(report);
  }
  if (head.problems.length > 0) {
    context.stderr(
      `error: the runbooks in ${dir} have ${head.problems.length} problem(s), listed in the report; run "runbridge validate ${dir}".\n`,
    );
    return 1;
  }
  return 0;
}
