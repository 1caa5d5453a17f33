/**
 * @module
 * The outcome of the whole run, from every job's result (the workflow passes `toJSON(needs)`).
 */

import { PASS_NEEDS } from "../hints.js";

export interface JobState {
  result: string;
  outputs: Record<string, string>;
}

export type Jobs = Record<string, JobState>;

export type Outcome =
  | "remediated"
  | "healthy"
  | "notified"
  | "dry-run"
  | "rolled-back"
  | "failed"
  | "cancelled";

export interface RunOutcome {
  outcome: Outcome;
  /** Whether notifications with `when: success` fire. */
  success: boolean;
  /** One sentence for people. */
  text: string;
}

export const JOB_ORDER = ["plan", "health-check", "diagnostics", "remediate", "verify", "rollback"] as const;

/**
 * Parses the `needs` input.
 * @throws Error when it is not the JSON of a needs context
 */
export function parseJobs(text: string): Jobs {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`input needs is not valid JSON; pass ${PASS_NEEDS}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`input needs must be a JSON object; pass ${PASS_NEEDS}`);
  }
  const jobs: Jobs = {};
  for (const [name, job] of Object.entries(
    value as Record<string, { result?: unknown; outputs?: unknown }>,
  )) {
    const outputs =
      typeof job?.outputs === "object" && job.outputs !== null ? (job.outputs as Record<string, string>) : {};
    jobs[name] = { result: typeof job?.result === "string" ? job.result : "unknown", outputs };
  }
  return jobs;
}

/** Decides the run's outcome; a job that does not appear counts as skipped. */
export function decideOutcome(jobs: Jobs): RunOutcome {
  const result = (job: string) => jobs[job]?.result ?? "skipped";
  const output = (job: string, name: string) => jobs[job]?.outputs[name];
  const failed = (text: string): RunOutcome => ({ outcome: "failed", success: false, text });
  if (JOB_ORDER.some((job) => result(job) === "cancelled")) {
    return { outcome: "cancelled", success: false, text: "the run was cancelled" };
  }
  if (result("plan") !== "success")
    return failed("plan failed: the runbook could not be loaded or the inputs are wrong");
  if (output("health-check", "healthy") === "true") {
    return {
      outcome: "healthy",
      success: true,
      text: "the target was already healthy; the alert flapped and nothing was changed",
    };
  }
  if (result("health-check") !== "success") return failed("the health check could not run");
  if (result("remediate") === "skipped") {
    if (output("plan", "remediate") !== "true") {
      return {
        outcome: "notified",
        success: true,
        text: "the runbook does not remediate (notify mode or no steps)",
      };
    }
    return failed("remediation did not run");
  }
  if (result("remediate") !== "success") return failed("remediation failed or was not approved");
  if (output("plan", "dry_run") === "true") {
    return {
      outcome: "dry-run",
      success: true,
      text: "dry run: remediation steps were described, not executed",
    };
  }
  if (result("verify") === "success")
    return { outcome: "remediated", success: true, text: "remediated and verified" };
  if (result("verify") === "failure") {
    if (result("rollback") === "success") {
      return {
        outcome: "rolled-back",
        success: false,
        text: "verification failed; the change was rolled back",
      };
    }
    return failed("verification failed and the rollback did not succeed");
  }
  return failed(`verification did not run (${result("verify")})`);
}
