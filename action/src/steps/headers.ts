/**
 * @module
 * Request headers for http and promql steps: literal ones, plus ones whose value comes from a
 * secret the runbook names (never written in the runbook itself).
 */
import { requireSecret, type Secrets } from "../secrets.js";

export function buildHeaders(
  literal: Record<string, string> | undefined,
  fromSecrets: Record<string, string> | undefined,
  secrets: Secrets,
  who: string,
): Headers {
  const headers = new Headers(literal);
  for (const [header, secret] of Object.entries(fromSecrets ?? {})) {
    headers.set(header, requireSecret(secrets, secret, who));
  }
  return headers;
}
