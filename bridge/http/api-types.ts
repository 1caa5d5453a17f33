/**
 * @module
 * The JSON the read API and the live feed answer with, as types: the routes are checked
 * against them (`satisfies`) and the console (console/console.js, `// @ts-check`) reads
 * them through JSDoc, so a change on one side that the other does not follow fails tsc.
 * Type-only: nothing here exists at run time.
 */
import type { UnheldApproval } from "../dispatch/approval-readiness.js";
import type { OutcomeBucket } from "../scorecard/outcome-buckets.js";
import type { auditEvents, breakers, executions, runJobs } from "../store/schema.js";

/** One execution row as the API returns it (timestamps in Unix milliseconds). */
export type ExecutionJson = typeof executions.$inferSelect;
/** One audit event, as in GET /api/audit and the `audit` frames of GET /api/events. */
export type AuditEventJson = typeof auditEvents.$inferSelect;
/** One open circuit breaker in GET /api/status. */
export type BreakerJson = typeof breakers.$inferSelect;

/** One job of an execution's workflow run, as GitHub's workflow_job webhooks reported it. */
export type RunJobJson = typeof runJobs.$inferSelect;

/** Every non-2xx answer. */
export interface ErrorAnswer {
  error: string;
}

/** GET /api/status */
export interface StatusAnswer {
  enabled: boolean;
  dryRun: boolean;
  /** owner/repo, or null when no repository is configured. */
  repository: string | null;
  runbooks: { count: number; sourceHash: string; commitSha: string | null; names: string[] } | null;
  runbookProblems: string[];
  openBreakers: BreakerJson[];
  outboxDepth: number;
  executionsByState: Record<string, number>;
  /**
   * Approval runbooks whose approval cannot be held, from the last read of each environment's
   * protection (an environment not read yet is not listed); empty without GitHub access.
   */
  approvalsUnheld: UnheldApproval[];
}

/** GET /api/executions: newest first; `next` is the id to pass as `before` for the next page. */
export interface ExecutionsAnswer {
  executions: ExecutionJson[];
  next: string | null;
}

/** GET /api/executions/:id: the execution, its whole audit trail (oldest first) and its run's jobs. */
export interface ExecutionDetailAnswer {
  execution: ExecutionJson;
  events: AuditEventJson[];
  dispatchAttempts: AuditEventJson[];
  jobs: RunJobJson[];
}

export type { OutcomeBucket };

/** The scorecard's windows, shortest first. */
export type ScorecardWindow = "24h" | "7d" | "30d";

/** Nearest-rank median and 90th percentile, in milliseconds. */
export interface DurationSummaryJson {
  medianMs: number;
  p90Ms: number;
}

/** One runbook's record over one window (executions decided in it). */
export interface ScorecardWindowJson {
  /** Every decision for the runbook, suppressed ones included. */
  executions: number;
  /** Accepted by GitHub. */
  dispatched: number;
  /** Executions by outcome bucket (scorecard/outcome-buckets.ts maps states to buckets). */
  outcomes: Record<OutcomeBucket, number>;
  /** verified / (verified + not_cleared + rolled_back + failed); null when none was judged. */
  verifiedRate: number | null;
  /** From the alert's start and from the dispatch to the bridge seeing the alert resolve. */
  timeToResolution: {
    count: number;
    fromStart: DurationSummaryJson | null;
    fromDispatch: DurationSummaryJson | null;
  };
  /** The same alert firing again soon after an execution cleared it. */
  relapses: number;
  /** Suppressed decisions by the guard that said no. */
  suppressedBy: Record<string, number>;
}

/** One of a runbook's breakers that is not closed. */
export interface ScorecardBreakerJson {
  key: string;
  scope: BreakerJson["scope"];
  target: string | null;
  state: "open" | "half_open";
  reason: string;
  openedAt: number | null;
  halfOpenAt: number | null;
}

/** One runbook's scorecard. */
export interface RunbookScorecardJson {
  runbook: string;
  /** In the active runbook set (false: only its past executions are known). */
  loaded: boolean;
  windows: Record<ScorecardWindow, ScorecardWindowJson>;
  /** The latest failed, not cleared or rolled back execution in the last 30 days. */
  lastFailure: {
    executionId: string;
    state: string;
    reason: string;
    at: number;
    runUrl: string | null;
  } | null;
  /** The runbook's own breakers (runbook or target scope): the worst state, and each one not closed. */
  breaker: { state: "closed" | "open" | "half_open"; notClosed: ScorecardBreakerJson[] };
}

/** GET /api/runbooks */
export interface RunbooksAnswer {
  /** When it was computed (Unix ms); each window ends then. */
  generatedAt: number;
  windows: ScorecardWindow[];
  runbooks: RunbookScorecardJson[];
}

/** POST /api/kill-switch */
export interface KillSwitchAnswer {
  enabled: boolean;
}

/** POST /api/breakers/:key/reset */
export interface BreakerResetAnswer {
  key: string;
  state: "closed";
}

/** POST /api/silences (201) */
export interface SilenceAnswer {
  silenceId: string;
  startsAt: string;
  endsAt: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  /** The silence in the Alertmanager UI that took it. */
  url: string;
}

/** The `data` of each event type on GET /api/events (server-sent events). */
export interface EventFrames {
  audit: AuditEventJson;
  heartbeat: { at: string };
  ready: { lastEventId: number | null; replayed: number };
  /**
   * More events were missed than can be replayed, or Last-Event-ID is newer than any event
   * (the database was replaced): reload the tables; the stream continues after `lastEventId`.
   */
  reset: { reason: string; lastEventId: number };
}
