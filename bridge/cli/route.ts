/**
 * @module
 * `runbridge route <alert.json | ->`: which runbook an alert (or every alert of an
 * Alertmanager webhook payload) would reach, and everything that would decide its fate.
 * No match is a result, not an error.
 */
import { readFile } from "node:fs/promises";
import { checkAlertmanagerWebhook } from "../alerts/validate.js";
import { loadRunbookSet } from "../runbooks/runbook-set.js";
import { parseAlertInput } from "./alert-input.js";
import { parseCommandArgs } from "./args.js";
import { type CliContext, CliError, UsageError } from "./context.js";
import { routeAlert } from "./route-report.js";
import { renderRoutes } from "./route-text.js";
import { runbooksDir } from "./runbooks-dir.js";

export const routeUsage = `Usage: runbridge route <alert.json | -> [--runbooks dir] [--json]

Routes an Alertmanager webhook payload (version 4, {"alerts": [...]}) or a single alert
({"labels": {...}, "annotations": {...}}), read from a file or from stdin (-), through the
runbooks. For each alert prints the runbook that wins and why, the target and whether the
allow-list admits it, mode, environment, workflow@ref, the guards that would apply
(cooldown, maxPerHour, breaker, blackout, onResolved, group), the candidates that lost
and why, and the near misses (alertname matched, another matcher did not). When no
runbook's alertname matches, names the ones that differ only in case or punctuation
("did you mean HighCpuUsage?").

Exits 0 whether or not a runbook matches; 1 when the input or the runbooks are invalid.

Options:
  --runbooks <dir>  runbooks directory (default: $RUNBRIDGE_RUNBOOKS, else ./runbooks)
  --json            print {"alerts": [...]} for machines
  -h, --help        show this help`;

async function readInput(path: string, context: CliContext): Promise<string> {
  if (path === "-") return context.readStdin();
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}. Pass a JSON file, or - for stdin.`);
  }
}

export async function routeCommand(args: readonly string[], context: CliContext): Promise<number> {
  const { help, values, positionals } = parseCommandArgs(
    args,
    { runbooks: { type: "string" }, json: { type: "boolean" } },
    1,
    routeUsage,
  );
  if (help) {
    context.stdout(`${routeUsage}\n`);
    return 0;
  }
  const path = positionals[0];
  if (path === undefined) throw new UsageError("missing the alert file (or - for stdin)", routeUsage);

  const source = path === "-" ? "stdin" : path;
  const input = parseAlertInput(await readInput(path, context), source);
  if (input.kind === "webhook") {
    // Routing still works on a sketchy hand-written payload, but say what the bridge would answer.
    const check = checkAlertmanagerWebhook(input.data);
    if (!check.ok) context.stderr(`warning: the bridge would reject ${source} with 400: ${check.error}\n`);
  }
  const dir = runbooksDir(values.runbooks, context);
  const { set, problems } = loadRunbookSet(dir);
  if (!set) {
    for (const problem of problems) context.stderr(`${problem.toString()}\n`);
    throw new CliError(
      `the runbooks in ${dir} are invalid; run "runbridge validate ${dir}" and fix them first.`,
    );
  }

  const routes = input.alerts.map((alert) => routeAlert(set.index, alert));
  if (values.json) {
    context.stdout(
      `${JSON.stringify({ runbooks: dir, groupKey: input.groupKey, alerts: routes }, null, 2)}\n`,
    );
  } else {
    context.stdout(renderRoutes(routes));
  }
  return 0;
}
