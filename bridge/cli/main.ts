/**
 * @module
 * The `runbridge` command line: picks the command, runs it, and turns every failure into
 * a message on stderr and an exit code (2: bad command line, 1: anything else).
 *
 * @example
 * ```sh
 * runbridge validate runbooks
 * runbridge route alert.json --runbooks runbooks --json
 * runbridge diff --base origin/main runbooks >> "$GITHUB_STEP_SUMMARY"
 * RUNBRIDGE_API_TOKEN=… runbridge report --since 7d --url https://runbridge.internal >> "$GITHUB_STEP_SUMMARY"
 * ```
 */
import { appCommand } from "./app-create.js";
import { type CliContext, CliError, UsageError } from "./context.js";
import { diffCommand } from "./diff.js";
import { initCommand } from "./init.js";
import { reportCommand } from "./report.js";
import { routeCommand } from "./route.js";
import { serveCommand } from "./serve.js";
import { validateCommand } from "./validate.js";

export const usage = `Usage: runbridge <command> [options]

Commands:
  validate [dir]                check runbooks: schema, semantics, examples
  route <alert.json | ->        show which runbook an alert reaches, and why
  diff --base <git-ref> [dir]   markdown report of what a runbook change does to routing
  serve                         start the bridge
  init                          set up this repository: runbooks, workflows, Alertmanager receiver
  app create --url <bridge-url> register the bridge's GitHub App (manifest flow)
  report [--since 7d] [--json]  each runbook's scorecard, as markdown, from a running bridge

Run "runbridge <command> --help" for a command's options.
The runbooks directory defaults to $RUNBRIDGE_RUNBOOKS, else ./runbooks.`;

type Command = (args: readonly string[], context: CliContext) => Promise<number>;

const commands: Record<string, Command> = {
  validate: validateCommand,
  route: routeCommand,
  diff: diffCommand,
  serve: serveCommand,
  init: initCommand,
  app: appCommand,
  report: reportCommand,
};

/**
 * Runs one command line.
 * @param args the arguments after `runbridge`
 * @returns the process exit code
 */
export async function runCli(args: readonly string[], context: CliContext): Promise<number> {
  const [name, ...rest] = args;
  try {
    if (name === undefined) throw new UsageError("missing command", usage);
    if (name === "--help" || name === "-h" || name === "help") {
      context.stdout(`${usage}\n`);
      return 0;
    }
    const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!command) throw new UsageError(`unknown command "${name}"`, usage);
    return await command(rest, context);
  } catch (error) {
    if (error instanceof UsageError) {
      context.stderr(`runbridge: ${error.message}\n\n${error.usage}\n`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      context.stderr(`runbridge: ${error.message}\n`);
      return error.exitCode;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    context.stderr(`runbridge: unexpected failure; please report it with this output.\n${detail}\n`);
    return 1;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The process entry point, called by `bin/runbridge.js`: the one place that reads `process`. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin,
  });
}
