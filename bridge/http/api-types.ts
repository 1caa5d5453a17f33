/**
 * @module
 * The JSON the read API and the live feed answer with, as types: the routes are checked
 * against them (`satisfies`) and the console (console/console.js, `// @ts-check`) reads
 * them through JSDoc, so a change on one side that the other does not follow fails tsc.
 * Type-only: nothing here exists at run time.
 */
import type { UnheldApproval } from "../dispatch/approval-readiness.js";
import type { auditEvents, breakers, executions } from "../store/schema.js";

/** One execution row as the API returns it (timestamps in Unix milliseconds). */
export type ExecutionJson = typeof executions.$inferSelect;
/** One audit event, as in GET /api/audit and the `audit` frames of GET /api/events. */
export type AuditEventJson = typeof auditEvents.$inferSelect;
/** One open circuit breaker in GET /api/status. */
export type BreakerJson = typeof breakers.$inferSelect;

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
