/**
 * @module
 * The two workflows `runbridge init` writes, generated from this repository's own
 * `.github/workflows/remediate.yml` and `runbooks.yml`: one source, so a user's copy never
 * drifts from the workflow the Action is tested with. Each edit is textual and must apply
 * exactly as often as expected; when a source workflow changes shape, generation fails
 * naming the edit (and the init tests fail) instead of silently writing a stale workflow.
 *
 * @example
 * ```ts
 * const pin = { repository: "runbridge/runbridge", sha: "0123…", version: "v0.1.0" };
 * const remediate = remediateWorkflow(readFileSync(".github/workflows/remediate.yml", "utf8"), pin);
 * ```
 */

/** The released Action a generated workflow uses, pinned by commit. */
export interface ActionPin {
  /** `owner/name` of the repository the Action is released from. */
  repository: string;
  /** The commit the release tag names: 40 hex digits, never a tag. */
  sha: string;
  /** The release tag, written as a comment next to the SHA (`# v0.1.0`). */
  version: string;
}

export const SOURCE_WORKFLOWS = {
  remediate: new URL("../../../.github/workflows/remediate.yml", import.meta.url),
  runbooks: new URL("../../../.github/workflows/runbooks.yml", import.meta.url),
} as const;

const SHA = /^[0-9a-f]{40}$/;

/**
 * Replaces `search` in `text`, which must occur exactly `expected` times (`"some"`: at least once).
 * @throws Error naming the source file and the edit that no longer applies
 */
function edit(
  text: string,
  source: string,
  search: RegExp,
  replacement: string,
  expected: number | "some",
): string {
  const found = text.match(new RegExp(search.source, `${search.flags.replace("g", "")}g`))?.length ?? 0;
  if (expected === "some" ? found === 0 : found !== expected) {
    throw new Error(
      `${source} no longer has ${expected === "some" ? "any" : expected} match(es) of ${search} (found ${found}); update bridge/cli/init/workflows.ts to the workflow's new shape.`,
    );
  }
  return text.replace(new RegExp(search.source, `${search.flags.replace("g", "")}g`), replacement);
}

function header(source: string, pin: ActionPin): string {
  return [
    `# Written by \`runbridge init\` from ${source} of ${pin.repository} ${pin.version}.`,
    "# Edit freely; `runbridge init` leaves a changed file alone unless run with --force.",
    "",
  ].join("\n");
}

function checkPin(pin: ActionPin): void {
  if (!SHA.test(pin.sha)) {
    throw new Error(`the Action must be pinned by a 40-hex commit SHA, got "${pin.sha}"`);
  }
}

/**
 * The remediate workflow for a user's repository: every `uses: ./action` (the Action in this
 * checkout) becomes the released Action at its commit, `<repo>/action@<sha> # <version>`.
 */
export function remediateWorkflow(source: string, pin: ActionPin): string {
  checkPin(pin);
  const name = ".github/workflows/remediate.yml";
  const body = edit(
    source,
    name,
    /^([ \t]*(?:- )?)uses: \.\/action[ \t]*$/m,
    `$1uses: ${pin.repository}/action@${pin.sha} # ${pin.version}`,
    "some",
  );
  return header(name, pin) + body;
}

/**
 * The runbook PR check for a user's repository. There the runbridge CLI is not a dependency
 * of the repository, so `npm ci` becomes an install of runbridge at the Action's commit (the
 * same release), the npm cache (which needs a lock file) is dropped, and only `runbooks/**`
 * triggers it (the repository has no `schemas/`).
 */
export function runbooksWorkflow(source: string, pin: ActionPin): string {
  checkPin(pin);
  const name = ".github/workflows/runbooks.yml";
  let body = edit(source, name, /^[ \t]*- "schemas\/\*\*"\n/m, "", 1);
  body = edit(body, name, /^[ \t]*cache: npm\n/m, "", 1);
  body = edit(
    body,
    name,
    /^([ \t]*)- run: npm ci$/m,
    [
      "$1# The runbridge CLI of the same release as the Action remediate.yml uses.",
      `$1- run: npm install --no-save --no-package-lock "github:${pin.repository}#${pin.sha}" # ${pin.version}`,
    ].join("\n"),
    1,
  );
  return header(name, pin) + body;
}
