/**
 * @module
 * What a run's diagnostics left on GitHub, for the failure notice: the diagnostics job's
 * summary annotation (read through the check-runs API: workflow_job webhooks carry no job
 * outputs) and the report artifact's link. A lookup that fails does not hold the notice back:
 * the notice says the diagnostics could not be read, and the run link is in it anyway.
 */
import type { GitHubApi } from "../github/github-api.js";
import {
  DIAGNOSTICS_TITLE,
  type DiagnosticsFound,
  diagnosticsArtifactName,
} from "../notify/diagnostics-summary.js";
import { classifyGitHubError } from "./github-client.js";

/** remediate.yml's job that runs the diagnostics phase (its key, which is its name). */
export const DIAGNOSTICS_JOB = "diagnostics";

export interface RunOfExecution {
  executionId: string;
  runId: number;
  /** The run's page; an artifact's link is `<run page>/artifacts/<id>`. */
  runUrl: string | null;
}

export async function findDiagnostics(
  api: GitHubApi,
  run: RunOfExecution,
  now: number,
): Promise<DiagnosticsFound> {
  try {
    const job = (await api.listJobs(run.runId)).find((candidate) => candidate.name === DIAGNOSTICS_JOB);
    if (!job) return { kind: "none", why: `the run has no ${DIAGNOSTICS_JOB} job` };
    if (job.conclusion === "skipped") {
      return {
        kind: "none",
        why: "the diagnostics job was skipped (the health check found the target healthy, or an earlier job failed)",
      };
    }
    const [annotations, artifacts] = await Promise.all([
      api.listAnnotations(job.id),
      api.listArtifacts(run.runId, diagnosticsArtifactName(run.executionId)),
    ]);
    const summary =
      annotations.find((annotation) => annotation.title === DIAGNOSTICS_TITLE)?.message ?? undefined;
    const artifact = artifacts.find((candidate) => !candidate.expired);
    return {
      kind: "found",
      summary,
      artifactUrl: artifact && run.runUrl ? `${run.runUrl}/artifacts/${artifact.id}` : undefined,
    };
  } catch (error) {
    return {
      kind: "none",
      why: `could not be read from GitHub (${classifyGitHubError(error, now).message}); see the run's diagnostics job`,
    };
  }
}
