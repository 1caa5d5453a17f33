/**
 * @module
 * `npm run demo`: the whole loop on one machine, no GitHub account (docs/quickstart.md).
 *
 *   npm run demo                  start everything and tell the story; Ctrl-C stops it all
 *   npm run demo -- approve       answer the held approval as the runbook's approver
 *   npm run demo -- break         crash the demo service (again)
 *   npm run demo -- fix           clear a failure a restart cannot fix, and restart the service
 *
 * Options: --fast (test-sized timings); --state-file <path> (where a running demo says how to
 * reach it; default in the temp folder, RUNBRIDGE_DEMO_STATE overrides).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runScenario } from "./scenario.js";
import { startDemo } from "./start.js";

/** What a running demo writes for the other commands (and the tests) to find it. */
export interface DemoState {
  pid: number;
  console: string;
  control: string;
  prometheus: string;
  alertmanager: string;
  /** Processes the demo started (besides itself). */
  pids: number[];
  dir: string;
}

const USAGE = "usage: npm run demo [-- approve | break | fix] [--fast] [--state-file <path>]";

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function readState(stateFile: string): DemoState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile, "utf8")) as DemoState;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function control(stateFile: string, path: string): Promise<unknown> {
  const state = readState(stateFile);
  if (!state)
    throw new Error(`no running demo found (${stateFile} is missing); start one with: npm run demo`);
  let response: Response;
  try {
    response = await fetch(`${state.control}${path}`, {
      method: "POST",
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new Error(
      `the demo of ${stateFile} (pid ${state.pid}) does not answer at ${state.control} ` +
        `(${error instanceof Error ? error.message : error}); ` +
        `${isRunning(state.pid) ? "it is still starting or stuck" : "it is gone; start one with: npm run demo"}`,
    );
  }
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`the demo answered HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

async function serve(stateFile: string, fast: boolean): Promise<void> {
  const running = readState(stateFile);
  if (running && isRunning(running.pid)) {
    throw new Error(
      `a demo is already running (pid ${running.pid}, console ${running.console}); ` +
        "stop it with Ctrl-C in its terminal, or pass --state-file to run another",
    );
  }
  say("Starting the demo: the demo service, the bridge, a stand-in GitHub, Alertmanager and Prometheus …");
  const demo = await startDemo({ fast, say });
  const state: DemoState = {
    pid: process.pid,
    console: `${demo.bridge.url}/`,
    control: demo.controlUrl,
    prometheus: demo.prometheusUrl,
    alertmanager: demo.alertmanagerUrl,
    pids: demo.pids(),
    dir: demo.dir,
  };
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  const aborter = new AbortController();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping everything the demo started …`);
    aborter.abort(new Error("stopping"));
    await demo.close();
    rmSync(stateFile, { force: true });
    say("stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  const firstFailureAfterMs = fast ? 1_000 : 20_000;
  say("");
  say(`  console       ${state.console}`);
  say(`  prometheus    ${state.prometheus}`);
  say(`  alertmanager  ${state.alertmanager}`);
  say(`  demo service  http://${demo.supervisor.address}/metrics`);
  say(`  logs          ${demo.dir}`);
  say("");
  say(
    `The demo service fails in ${firstFailureAfterMs / 1000}s. Open the console to follow along; Ctrl-C stops everything.`,
  );
  say("");
  try {
    await runScenario(demo, {
      firstFailureAfterMs,
      secondFailureAfterMs: fast ? 500 : 10_000,
      say,
      signal: aborter.signal,
    });
    say("The story is over; everything keeps running until Ctrl-C.");
  } catch (error) {
    if (!aborter.signal.aborted)
      say(`the demo's story stopped: ${error instanceof Error ? error.message : error}`);
  }
}

async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { fast: { type: "boolean", default: false }, "state-file": { type: "string" } },
  });
  const stateFile =
    values["state-file"] ??
    process.env.RUNBRIDGE_DEMO_STATE ??
    join(tmpdir(), `runbridge-demo-${userInfo().uid}.json`);
  const command = positionals[0];
  switch (command) {
    case undefined:
      return serve(stateFile, values.fast);
    case "approve": {
      const { approved } = (await control(stateFile, "/approve")) as { approved: string[] };
      say(
        approved.length > 0 ? `approved ${approved.join(", ")}` : "nothing waits for an approval right now",
      );
      return;
    }
    case "break":
      await control(stateFile, "/service/break");
      say("the demo service crashed; DemoServiceDown fires in a few seconds");
      return;
    case "fix":
      await control(stateFile, "/service/fix");
      say("the demo service is running again");
      return;
    default:
      throw new Error(`unknown command "${command}"; ${USAGE}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
