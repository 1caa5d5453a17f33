/**
 * @module
 * The diagnostics phase's summary, from the Action to the bridge's failure notice. GitHub's
 * workflow_job webhooks carry no job outputs, so the Action also writes the summary as a
 * notice annotation on the diagnostics job (`core.notice`, titled `DIAGNOSTICS_TITLE`), which
 * the bridge reads through the check-runs API (a job's id is its check run's), and uploads
 * its report as the artifact `diagnosticsArtifactName(id)`, which the notice links.
 *
 * The summary is step output: untrusted (a step may echo the alert), so the notice shows each
 * line as inert inline code (`alertValue`), bounded in lines and length.
 */
import { alertValue } from "./message.js";
import type { NotificationRequest } from "./request.js";
import { escapeSlack } from "./slack-text.js";

/** The annotation's title the bridge looks for. */
export const DIAGNOSTICS_TITLE = "Runbridge diagnostics summary";

/** Lines of the summary a notice shows; the artifact has the rest. */
export const SUMMARY_MAX_LINES = 12;

/** The artifact remediate.yml uploads the diagnostics report as (`diagnostics-<execution id>`). */
export function diagnosticsArtifactName(executionId: string): string {
  return `diagnostics-${executionId}`;
}

/** What the bridge found of a run's diagnostics, or why it found nothing. */
export type DiagnosticsFound =
  | { kind: "found"; summary: string | undefined; artifactUrl: string | undefined }
  | { kind: "none"; why: string };

/** The notice's lines about the diagnostics: the summary as inert lines and the artifact's link. */
export function diagnosticsLines(found: DiagnosticsFound): string[] {
  if (found.kind === "none") return [`Diagnostics: ${found.why}`];
  const lines = (found.summary ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const shown = lines.slice(0, SUMMARY_MAX_LINES).map((line) => `- ${alertValue(line, 300)}`);
  if (lines.length > shown.length) shown.push(`- … ${lines.length - shown.length} more lines in the report`);
  return [
    shown.length
      ? `Diagnostics summary:\n${shown.join("\n")}`
      : "Diagnostics summary: (the diagnostics job left none)",
    ...(found.artifactUrl ? [`Diagnostics report: ${found.artifactUrl}`] : []),
  ];
}

/**
 * A queued failure notice with the diagnostics added, when the worker sends it (the summary is
 * on GitHub only once the run is over, after the notice was queued in the transition's
 * transaction). The lines go after what was rendered: in Slack escaped like every detail, in an
 * issue as paragraphs, in PagerDuty as a custom detail.
 */
export function withDiagnostics(request: NotificationRequest, found: DiagnosticsFound): NotificationRequest {
  const lines = diagnosticsLines(found);
  switch (request.channel) {
    case "slack":
      return { ...request, text: `${request.text}\n${lines.map(escapeSlack).join("\n")}` };
    case "issue":
      return { ...request, body: `${request.body}\n\n${lines.join("\n\n")}` };
    case "pagerduty": {
      const payload = request.event.payload;
      if (!payload) return request;
      return {
        ...request,
        event: {
          ...request.event,
          payload: { ...payload, custom_details: { ...payload.custom_details, diagnostics: lines } },
        },
      };
    }
  }
}
