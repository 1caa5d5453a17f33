/**
 * @module
 * Structured logs (pino JSON). Tokens, keys and Authorization headers are redacted
 * wherever they appear in a logged object.
 */
import { type Logger, pino } from "pino";

export type { Logger };

// pino's paths are exact and case-sensitive and have no recursive wildcard, so each
// secret name is listed up to three levels deep (`{ github: { auth: { privateKey } } }`,
// `{ err: { request: { headers } } }`) and headers in both spellings (`Authorization`
// is how fetch and most code write it).
const SECRET_KEYS = [
  "token",
  "secret",
  "privateKey",
  "password",
  "apiToken",
  "authorization",
  "Authorization",
];

export const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  "*.*.headers.authorization",
  "*.*.headers.Authorization",
  "config.github.auth",
  "config.alertmanagerAuth",
  "config.apiToken",
  "config.metricsToken",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: "runbridge" }, redact: { paths: REDACT_PATHS, censor: "[redacted]" } },
    destination,
  );
}
