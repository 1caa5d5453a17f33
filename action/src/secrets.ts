/**
 * @module
 * Secrets reach the Action as one JSON input of name → value. remediate.yml passes a phase
 * only the secrets its steps name (the plan job lists them; docs/security.md), and within the
 * phase a step gets only the ones it names itself. Values never appear in errors.
 */

import { PASS_SECRETS } from "./hints.js";

export type Secrets = ReadonlyMap<string, string>;

/**
 * Parses the `secrets` input.
 * @param text JSON object of secret name → value; empty means no secrets
 * @throws Error (without the content) when it is not such an object
 */
export function parseSecrets(text: string): Secrets {
  if (text.trim() === "") return new Map();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`secrets input is not valid JSON; pass ${PASS_SECRETS}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`secrets input must be a JSON object; pass ${PASS_SECRETS}`);
  }
  const secrets = new Map<string, string>();
  for (const [name, secret] of Object.entries(value)) {
    if (typeof secret === "string" && secret !== "") secrets.set(name, secret);
  }
  return secrets;
}

/**
 * The value of a secret a runbook names.
 * @param who what needs it, for the error ("step \"restart\"")
 * @throws Error naming the missing secret and where to add it
 */
export function requireSecret(secrets: Secrets, name: string, who: string): string {
  const value = secrets.get(name) ?? secrets.get(name.toLowerCase());
  if (value === undefined) {
    throw new Error(
      `${who} needs secret ${name}, which is not set: add it as a secret of the runbook's environment ` +
        "when only remediate or rollback use it (the jobs with an environment), else as a repository " +
        `or organization secret; and make sure the workflow passes ${PASS_SECRETS} to the Action`,
    );
  }
  return value;
}
