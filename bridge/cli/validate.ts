/**
 * @module
 * `runbridge validate [dir]`: loads every runbook of a directory the way the bridge
 * does — YAML, schema, semantic checks, unique names — then routes every example alert
 * against the whole set. Prints every problem, located, or one line saying all is well.
 * With `--github`, also asks GitHub whether each approval runbook's approval can be held.
 */
import { loadRunbookSet } from "../runbooks/runbook-set.js";
import { parseCommandArgs } from "./args.js";
import type { CliContext } from "./context.js";
import { checkGitHubApprovals, type GitHubApprovalReport, githubApprovalText } from "./github-approvals.js";
import { runbooksDir } from "./runbooks-dir.js";

export const validateUsage = `Usage: runbridge validate [dir] [--json] [--github]

Checks every runbook in dir (default: $RUNBRIDGE_RUNBOOKS, else ./runbooks): YAML syntax,
the schema (schemas/runbook.schema.json), globs, regexes, cron expressions, time zones,
unique names, and every runbook's example alerts routed against the whole set.

Prints each problem as file:line:column field: message and exits 1,
or prints "ok: N runbooks valid (examples: M checked)" and exits 0.

Options:
  --json      print {"ok", "dir", "runbooks", "examples", "problems": [...]} instead
  --github    also ask GitHub, with the credentials the bridge reads (GITHUB_TOKEN or the
              GitHub App variables, GITHUB_REPOSITORY, GITHUB_API_URL), whether each approval
              runbook's approval can be held: its environment (exists? required reviewers?
              administrators may bypass?) and its approvers (exist? write or admin?). Prints
              what is missing per runbook; exits 1 when an approval: environment runbook
              cannot be held (it would be suppressed every time). --json adds "github".
  -h, --help  show this help`;

export async function validateCommand(args: readonly string[], context: CliContext): Promise<number> {
  const { help, values, positionals } = parseCommandArgs(
    args,
    { json: { type: "boolean" }, github: { type: "boolean" } },
    1,
    validateUsage,
  );
  if (help) {
    context.stdout(`${validateUsage}\n`);
    return 0;
  }
  const dir = runbooksDir(positionals[0], context);
  const { set, problems } = loadRunbookSet(dir);
  const runbooks = set?.runbooks.length ?? 0;
  const examples = set?.runbooks.reduce((sum, loaded) => sum + loaded.runbook.examples.length, 0) ?? 0;
  // Asked only of a set that loads: a broken set is reported first, as without --github.
  const github: GitHubApprovalReport | undefined =
    values.github && set && problems.length === 0
      ? await checkGitHubApprovals(
          set.runbooks.map((loaded) => loaded.runbook),
          context,
        )
      : undefined;
  const githubOk = (github?.unheld ?? 0) === 0;

  if (values.json) {
    const ok = problems.length === 0 && githubOk;
    const report = { ok, dir, runbooks, examples, problems, ...(github ? { github } : {}) };
    context.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  if (problems.length > 0) {
    for (const problem of problems) context.stdout(`${problem.toString()}\n`);
    const noun = problems.length === 1 ? "problem" : "problems";
    context.stderr(
      `error: ${problems.length} ${noun} in ${dir}; fix them and run "runbridge validate ${dir}" again.\n`,
    );
    return 1;
  }
  if (runbooks === 0) {
    context.stderr(`warning: ${dir} holds no runbook files (*.yml, *.yaml); is this the right directory?\n`);
  }
  context.stdout(`ok: ${runbooks} runbooks valid (examples: ${examples} checked)\n`);
  if (!github) return 0;
  context.stdout(githubApprovalText(github));
  if (!githubOk) {
    context.stderr(
      `error: ${github.unheld} approval: environment runbook(s) cannot be held and would be suppressed every time; configure what is printed above, then run "runbridge validate ${dir} --github" again.\n`,
    );
    return 1;
  }
  return 0;
}
