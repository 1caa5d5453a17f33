/**
 * @module
 * What `runbridge init` prints when it is done: each file's outcome, then the steps that only a
 * person can take on GitHub and in Alertmanager, with the exact names init used.
 */
import type { FileOutcome } from "./write-plan.js";

export interface NextStepsInput {
  outcomes: readonly FileOutcome[];
  /** `owner/name`, or undefined when init could not tell. */
  repository: string | undefined;
  environment: string;
  bridgeUrl: string;
  receiverFile: string;
  bridgeEnvFile: string;
  /** True when init added the secret files' folder to `.git/info/exclude`. */
  excluded: boolean;
}

const VERB: Record<FileOutcome["action"], string> = {
  created: "created",
  unchanged: "unchanged",
  overwritten: "overwritten (--force)",
  "mode-fixed": "unchanged; mode set to 0600",
  skipped: "skipped",
};

/** The report, ready to print. */
export function initReport(input: NextStepsInput): string {
  const lines = input.outcomes.map((outcome) =>
    outcome.action === "skipped"
      ? `  skipped      ${outcome.path}: ${outcome.reason}`
      : `  ${VERB[outcome.action].padEnd(12)} ${outcome.path}`,
  );
  const changed = input.outcomes.some((o) => o.action !== "unchanged");
  const repo = input.repository ?? "<owner>/<name>";
  const settings = `https://github.com/${repo}/settings`;
  const steps = [
    "Next steps:",
    "  1. Review and commit the runbooks and workflows:",
    "       git add runbooks .github/workflows && git commit -m 'Add Runbridge'",
    `     ${input.receiverFile} and ${input.bridgeEnvFile} hold the Alertmanager token: keep them`,
    `     out of Git${input.excluded ? " (init listed .runbridge/ in .git/info/exclude)" : ""}.`,
    `  2. Create the environment "${input.environment}" (${settings}/environments):`,
    "     required reviewers approve each remediation; deployment branches: main. Put the",
    "     credentials remediation needs (SSH key, kubeconfig, cloud credentials) there as",
    "     environment secrets.",
    `  3. Create the GitHub App the bridge uses: runbridge app create --url ${input.bridgeUrl}`,
    `     then install it on ${repo} only, and note the installation id from the installation's URL.`,
    `  4. Start the bridge with the variables in ${input.bridgeEnvFile}, the App's (from step 3) and`,
    "     GITHUB_APP_INSTALLATION_ID; see docs/setup.md.",
    `  5. Merge the receiver in ${input.receiverFile} into alertmanager.yml, route`,
    "     alerts to it, and check it: amtool check-config alertmanager.yml",
  ];
  return [
    changed ? "runbridge init:" : "runbridge init: nothing to change; every file is as init would write it.",
    ...lines,
    ...(input.repository
      ? []
      : ["", "  (origin is not a GitHub repository: pass --repo owner/name to fill in the names below.)"]),
    "",
    ...steps,
    "",
  ].join("\n");
}
