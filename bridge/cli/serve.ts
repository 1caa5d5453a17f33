/**
 * @module
 * `runbridge serve`: starts the bridge. The composition root (`bridge/main.ts`) reads its
 * own configuration from the environment, so this command only loads it and calls `main()`.
 */
import { fileURLToPath } from "node:url";
import { parseCommandArgs } from "./args.js";
import { type CliContext, CliError } from "./context.js";

export const serveUsage = `Usage: runbridge serve

Starts the bridge: the HTTP server (Alertmanager and GitHub webhooks, API, console,
metrics, /healthz) and its workers. Configured only through the environment, e.g.
  HOST, PORT                      where to listen (the container image uses 0.0.0.0:9009)
  RUNBRIDGE_DB                    the SQLite file
  RUNBRIDGE_RUNBOOKS              the runbooks directory
  GITHUB_REPOSITORY, GITHUB_TOKEN where to dispatch (or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY,
                                  GITHUB_APP_INSTALLATION_ID for a GitHub App)
  RUNBRIDGE_ALERTMANAGER_TOKEN    the credential Alertmanager must send
bridge/config.ts lists every setting.

Options:
  -h, --help  show this help`;

/** The composition root, relative to this file (`bridge/cli/serve.ts` → `bridge/main.ts`). */
const BRIDGE_MAIN = new URL("../main.js", import.meta.url);

interface BridgeMain {
  main?: unknown;
}

function isMissing(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  // Only the composition root itself missing; a missing dependency inside it is a real error.
  return (
    code === "ERR_MODULE_NOT_FOUND" &&
    (message ?? "").includes(fileURLToPath(BRIDGE_MAIN).replace(/\.js$/, ""))
  );
}

export async function serveCommand(args: readonly string[], context: CliContext): Promise<number> {
  const { help } = parseCommandArgs(args, {}, 0, serveUsage);
  if (help) {
    context.stdout(`${serveUsage}\n`);
    return 0;
  }
  let loaded: BridgeMain;
  try {
    // A computed specifier: the module is loaded only when serving, and validate/route/diff
    // keep working on a checkout where the bridge itself does not load.
    loaded = (await import(BRIDGE_MAIN.href)) as BridgeMain;
  } catch (error) {
    if (isMissing(error)) {
      throw new CliError(
        `cannot start the bridge: its entry point ${fileURLToPath(BRIDGE_MAIN).replace(/\.js$/, ".ts (or .js when built)")} is missing. Update this checkout or image; validate, route and diff work without it.`,
      );
    }
    throw error;
  }
  if (typeof loaded.main !== "function") {
    throw new CliError(
      `${fileURLToPath(BRIDGE_MAIN)} does not export main(); this build of runbridge is broken, reinstall or rebuild it.`,
    );
  }
  await (loaded.main as () => Promise<void>)();
  return 0;
}
