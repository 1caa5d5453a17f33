/**
 * @module
 * What a CLI command receives instead of reaching for globals: the working directory,
 * the environment, standard input and the two output streams. `main.ts` builds it from
 * `process`; everything else takes it as an argument.
 */

export interface CliContext {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads all of standard input (for `route -`). */
  readStdin(): Promise<string>;
}

/** A failure the user can fix; `main.ts` prints the message and exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Bad command line: printed with the command's usage, exit code 2. */
export class UsageError extends CliError {
  /** The usage text of the command that was called (top-level usage when unknown). */
  readonly usage: string;

  constructor(message: string, usage: string) {
    super(message, 2);
    this.name = "UsageError";
    this.usage = usage;
  }
}
