/**
 * @module
 * One execution as every phase sees it: the runbook (loaded at the checked-out commit), the
 * alert, the target, the secrets and where steps may write. Built once per Action call.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedRunbook } from "../../bridge/runbooks/resolved-runbook.js";
import { extractTarget, isTargetAllowed } from "../../bridge/runbooks/target.js";
import { type Alert, parseAlert } from "./alert.js";
import type { ActionInputs } from "./inputs.js";
import { createMask, type Mask } from "./mask.js";
import { findRunbook } from "./runbook.js";
import { parseSecrets, type Secrets } from "./secrets.js";

export interface Execution {
  runbook: ResolvedRunbook;
  runbookFile: string;
  executionId: string;
  /** "" when neither the input nor the alert names one. */
  target: string;
  severity: string;
  alert: Alert;
  secrets: Secrets;
  mask: Mask;
  dryRun: boolean;
  /** Environment every run step starts from (the runner's, minus the Action's own inputs). */
  baseEnv: Readonly<Record<string, string>>;
  /** Private temporary folder: step scripts and the alert file live here. */
  workDir: string;
  /** The alert as JSON in a file, for steps that need more than ALERT_* variables. */
  alertFile: string;
}

export interface Surroundings {
  baseEnv: Readonly<Record<string, string>>;
  /** GITHUB_RUN_ID, for the execution id of a manual run. */
  runId: string;
  /** RUNNER_TEMP or the OS temp folder. */
  tempDir: string;
}

/**
 * The bridge names the runbook version it decided with: a Git commit (checked out by the
 * workflow) or, for runbooks read from a local directory, `sha256:<file hash>`. A hash that
 * differs means the runbook changed between the decision and this run: stop rather than run
 * steps nobody matched the alert against.
 * @throws Error naming both hashes and what to do
 */
export function checkRunbookVersion(runbookSha: string, sourceHash: string, file: string): void {
  if (!runbookSha.startsWith("sha256:")) return;
  const expected = runbookSha.slice("sha256:".length);
  if (expected !== sourceHash) {
    throw new Error(
      `runbook ${file} changed since the bridge decided (bridge: sha256:${expected.slice(0, 12)}…, ` +
        `this checkout: sha256:${sourceHash.slice(0, 12)}…); dispatch again, or serve runbooks from Git so runs pin a commit`,
    );
  }
}

/**
 * Loads the runbook and resolves everything the phases share.
 * @throws Error when the runbook is missing or invalid, an input does not parse, or the target
 *   is outside the runbook's allow-list
 */
export function buildExecution(inputs: ActionInputs, surroundings: Surroundings): Execution {
  const loaded = findRunbook(inputs.runbooksPath, inputs.runbook);
  checkRunbookVersion(inputs.runbookSha, loaded.sourceHash, loaded.file);
  const runbook = loaded.runbook;
  const alert = parseAlert(inputs.alert);
  const secrets = parseSecrets(inputs.secrets);
  const target = inputs.target || extractTarget(runbook, alert.labels) || "";
  if (target !== "" && !isTargetAllowed(runbook, target)) {
    throw new Error(
      `target "${target}" is not allowed by runbook ${runbook.name} (target.allow); ` +
        "pick an allowed target or change the runbook's allow-list by pull request",
    );
  }
  const workDir = mkdtempSync(join(surroundings.tempDir, "runbridge-"));
  const alertFile = join(workDir, "alert.json");
  writeFileSync(alertFile, JSON.stringify(alert.raw), { mode: 0o600 });
  return {
    runbook,
    runbookFile: loaded.file,
    executionId: inputs.executionId || `manual-${surroundings.runId || "local"}`,
    target,
    severity: inputs.severity || alert.labels.severity || "none",
    alert,
    secrets,
    mask: createMask([...secrets.values(), inputs.githubToken].filter((value) => value !== "")),
    dryRun: inputs.dryRun || runbook.mode === "dry-run",
    baseEnv: surroundings.baseEnv,
    workDir,
    alertFile,
  };
}
