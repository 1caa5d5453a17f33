/**
 * @module
 * How the workflow must pass the JSON inputs; quoted in errors so the fix is one copy away.
 */

// biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
export const PASS_SECRETS = "`secrets: ${{ toJSON(secrets) }}`";
// biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
export const PASS_NEEDS = "`needs: ${{ toJSON(needs) }}`";
