/**
 * @module
 * An execution's timeline for its post-incident review: the alert's start, then the audit
 * trail's events of that execution in order (decision, dispatch, approval, run phases, outcome).
 * Pure: the caller reads the events (store/audit.ts) and passes them in. Audit messages carry
 * alert-derived values (targets, alert names), so each is shown as inert inline code.
 */
import { alertValue } from "./message.js";

/** The parts of an audit event a timeline shows. */
export interface TimelineEvent {
  id: number;
  at: number;
  kind: string;
  message: string;
}

/**
 * Kinds that are bookkeeping, not the incident's story: each notification's attempts and
 * retries (what was sent is kept: `notification.sent` / `notification.failed`).
 */
const NOISE = new Set(["notification.queued", "notification.attempt", "notification.retry"]);

/** How many lines a timeline keeps: an issue body stays readable (and under GitHub's limit). */
export const TIMELINE_MAX_LINES = 60;

function stamp(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A job of the execution's run (a phase: health-check, diagnostics, remediate, …) as last seen. */
export interface TimelineJob {
  name: string;
  status: string;
  conclusion: string | null;
  /** When the bridge last heard of it: for a completed job, about when it ended. */
  updatedAt: number;
}

export interface TimelineContext {
  executionId: string;
  /** When the alert began firing (Alertmanager's startsAt), if known. */
  alertStartsAt?: string | null;
  /** The run's jobs: the audit trail has the state they moved the execution to, not each phase's end. */
  jobs?: readonly TimelineJob[];
}

/** The timeline as Markdown list lines, oldest first. */
export function renderTimeline(events: readonly TimelineEvent[], context: TimelineContext): string[] {
  const { alertStartsAt } = context;
  const jobs = (context.jobs ?? []).map((job) => ({
    // After the audit events of the same millisecond, in the order the jobs are given.
    id: Number.MAX_SAFE_INTEGER,
    at: job.updatedAt,
    kind: `job ${job.name}`,
    message: `${job.status}${job.conclusion ? ` (${job.conclusion})` : ""}`,
  }));
  const story = [...events.filter((event) => !NOISE.has(event.kind)), ...jobs]
    .sort((a, b) => a.at - b.at || a.id - b.id)
    .map((event) => `- ${stamp(event.at)} ${event.kind}: ${alertValue(event.message, 300)}`);
  const start = alertStartsAt ? Date.parse(alertStartsAt) : Number.NaN;
  const lines = Number.isFinite(start) ? [`- ${stamp(start)} alert started firing`, ...story] : story;
  if (lines.length <= TIMELINE_MAX_LINES) return lines;
  // The start and the end of an incident matter most: the middle is what gets cut.
  const head = lines.slice(0, TIMELINE_MAX_LINES / 2);
  const tail = lines.slice(lines.length - TIMELINE_MAX_LINES / 2 + 1);
  return [
    ...head,
    `- … ${lines.length - head.length - tail.length} more events: the whole trail is GET /api/executions/${encodeURIComponent(context.executionId)} on the bridge`,
    ...tail,
  ];
}
