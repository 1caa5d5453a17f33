import type { CliContext } from "./context.js";

/** Where runbooks are read from when no directory is given. */
export const DEFAULT_RUNBOOKS_DIR = "runbooks";

/**
 * The runbooks directory a command works on: the argument, else `RUNBRIDGE_RUNBOOKS`,
 * else `./runbooks`. Kept as written so problems name files the way the user does.
 */
export function runbooksDir(given: string | undefined, context: CliContext): string {
  return given || context.env.RUNBRIDGE_RUNBOOKS || DEFAULT_RUNBOOKS_DIR;
}
