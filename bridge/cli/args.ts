/**
 * @module
 * Command-line parsing shared by every command: `node:util` parseArgs in strict mode,
 * `--help`/`-h` on every command, and parse failures turned into a UsageError that
 * carries the command's usage text.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./context.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedArgs<T extends Options> {
  /** True when `--help` or `-h` was given; the command prints its usage and exits 0. */
  help: boolean;
  values: { [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : string };
  positionals: string[];
}

/**
 * Parses one command's arguments.
 * @param args the arguments after the command name
 * @param options the command's own options (`--help` is added)
 * @param maxPositionals how many positional arguments the command takes
 * @param usage the command's usage text, shown with any parse error
 * @throws UsageError on an unknown option, a missing option value or too many arguments
 */
export function parseCommandArgs<T extends Options>(
  args: readonly string[],
  options: T,
  maxPositionals: number,
  usage: string,
): ParsedArgs<T> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // parseArgs explains itself ("Unknown option '--nope'"); keep its first sentence only.
    const message = (error as Error).message.split(". To specify")[0] ?? "invalid arguments";
    throw new UsageError(message, usage);
  }
  const { help, ...values } = parsed.values as Record<string, string | boolean | undefined>;
  if (!help && parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).join(" ");
    throw new UsageError(`unexpected argument: ${extra}`, usage);
  }
  return { help: help === true, values: values as ParsedArgs<T>["values"], positionals: parsed.positionals };
}
