/**
 * @module
 * Finds a runbook by name in the checked-out runbooks folder, through the bridge's own loader,
 * so the Action and the bridge read the same contract the same way.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type LoadedRunbook, loadRunbookFile } from "../../bridge/runbooks/load.js";

const RUNBOOK_FILE = /\.ya?ml$/;

/**
 * Loads the runbook called `name` from `dir`.
 * Tries `<dir>/<name>.yml` and `.yaml` first; otherwise reads every file for one whose `name`
 * matches (a file may be named differently from its runbook).
 * @throws Error listing the runbook's problems, or the names that do exist
 */
export function findRunbook(dir: string, name: string): LoadedRunbook {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) {
    throw new Error(`runbook "${name}" is not a runbook name (kebab-case, e.g. nginx-down)`);
  }
  if (!existsSync(dir)) {
    throw new Error(
      `runbooks folder ${dir} does not exist; check out the repository first or set runbooks-path`,
    );
  }
  const preferred = [`${name}.yml`, `${name}.yaml`]
    .map((file) => join(dir, file))
    .filter((f) => existsSync(f));
  const others = readdirSync(dir)
    .filter((file) => RUNBOOK_FILE.test(file))
    .map((file) => join(dir, file))
    .filter((file) => !preferred.includes(file))
    .sort();
  const seen: string[] = [];
  for (const file of [...preferred, ...others]) {
    const { runbook, problems } = loadRunbookFile(file);
    if (runbook?.runbook.name === name) return runbook;
    if (runbook) seen.push(runbook.runbook.name);
    else if (preferred.includes(file)) {
      throw new Error(`runbook ${name} is invalid:\n${problems.map((p) => `  ${p.toString()}`).join("\n")}`);
    }
  }
  const known = seen.length > 0 ? seen.join(", ") : "none";
  throw new Error(`no runbook named "${name}" in ${dir} (valid runbooks there: ${known})`);
}
