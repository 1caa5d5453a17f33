/**
 * @module
 * How the workflow must pass the JSON inputs; quoted in errors so the fix is one copy away.
 */

/**
 * The Runbridge workflow passes each phase only the secrets the plan job listed for it
 * (`secrets-<phase>` outputs); a workflow of one's own may pass them all.
 */
export const PASS_SECRETS =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
  "the phase's secrets as a JSON object (remediate.yml builds it from the plan job's secrets-<phase> output; a workflow of your own may pass `secrets: ${{ toJSON(secrets) }}`)";
// biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
export const PASS_NEEDS = "`needs: ${{ toJSON(needs) }}`";
