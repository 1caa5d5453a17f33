/**
 * @module
 * Structured logs (pino JSON). Tokens, keys and Authorization headers are redacted
 * wherever they appear in a logged object.
 */
import { type Logger, pino } from "pino";

export type { Logger };

export const REDACT_PATHS = [
  "token",
  "*.token",
  "secret",
  "*.secret",
  "privateKey",
  "*.privateKey",
  "password",
  "*.password",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  "request.headers.authorization",
  "config.github.auth",
  "config.alertmanagerAuth",
  "config.apiToken",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: "runbridge" }, redact: { paths: REDACT_PATHS, censor: "[redacted]" } },
    destination,
  );
}
