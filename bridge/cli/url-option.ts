/**
 * @module
 * The one check for URL options (`--url`, `--bridge-url`, `--api-url`, …): an http(s) URL,
 * returned without trailing slashes so paths can be appended.
 */
import { UsageError } from "./context.js";

/**
 * @param option the option's name, for the message
 * @param usage the command's usage text, shown with the error
 * @throws UsageError when `value` is not an http(s) URL
 */
export function urlOption(value: string, option: string, usage: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return value.replace(/\/+$/, "");
  } catch {
    // reported below
  }
  throw new UsageError(`${option} "${value}" is not an http(s) URL`, usage);
}
