/**
 * @module
 * The environment variables the bridge reads, taken from bridge/config.ts itself (every
 * `read.string("…")`, `read.integer(…)`, …), so a deployment file that sets a misspelled or
 * retired variable fails its test instead of being silently ignored by the bridge.
 */
import { readFileSync } from "node:fs";

const CONFIG = new URL("../../bridge/config.ts", import.meta.url);

/**
 * RUNBRIDGE_DATABASE_URL selects PostgreSQL (issue 14, "Several bridges on PostgreSQL"); the
 * Helm chart's replicas mode is built for it, and the chart sets it before this branch's
 * config.ts reads it.
 */
const PLANNED = ["RUNBRIDGE_DATABASE_URL"];

export function bridgeVariables(): Set<string> {
  const source = readFileSync(CONFIG, "utf8");
  const names = [
    ...source.matchAll(/read\.(?:string|integer|boolean|duration)\(\s*"([A-Z][A-Z0-9_]*)"/g),
  ].map((match) => match[1] as string);
  return new Set([...names, ...PLANNED]);
}
