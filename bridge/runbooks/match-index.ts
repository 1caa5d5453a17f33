/**
 * @module
 * The match index, built once per runbook set. Exact alertnames are looked up directly;
 * glob alertnames sit in a second bucket keyed by their literal prefix, so an alert only
 * meets the globs that could match it; label and annotation matchers run on that short
 * list. Routing cost therefore stays flat as the number of runbooks grows.
 */
import type { MatchableAlert } from "./alert-shape.js";
import type { LoadedRunbook } from "./loaded-runbook.js";
import { type CompiledRunbook, compileRunbook } from "./matcher.js";
import { compareNames } from "./name-order.js";
import { extractTarget } from "./target.js";

/** Annotations through which an alert may name its runbook. */
export const RUNBOOK_ANNOTATIONS = ["runbook", "automation_runbook"] as const;

export interface Candidate {
  runbook: LoadedRunbook;
  priority: number;
  specificity: number;
}

export interface LostCandidate extends Candidate {
  /** Why it lost to the winner, e.g. "priority 50 < 100". */
  reason: string;
}

export interface Rejected {
  runbook: LoadedRunbook;
  /** The first matcher that said no. */
  reason: string;
}

export interface RouteResult {
  winner?: Candidate;
  /** The target the winner extracts from the alert (undefined when it names none). */
  target?: string;
  /** Why the winner won (e.g. named by the alert's runbook annotation). */
  reason: string;
  lost: LostCandidate[];
  /** Runbooks whose alertname matched but whose other matchers did not. */
  rejected: Rejected[];
}

export interface MatchIndex {
  size: number;
  byName: ReadonlyMap<string, LoadedRunbook>;
  route(alert: MatchableAlert): RouteResult;
}

function rank(a: Candidate, b: Candidate): number {
  return (
    b.priority - a.priority ||
    b.specificity - a.specificity ||
    compareNames(a.runbook.runbook.name, b.runbook.runbook.name)
  );
}

function whyLost(loser: Candidate, winner: Candidate, namedByAnnotation: boolean): string {
  const winnerName = winner.runbook.runbook.name;
  if (namedByAnnotation) return `the alert names ${winnerName} in its runbook annotation`;
  if (loser.priority !== winner.priority)
    return `priority ${loser.priority} < ${winnerName}'s ${winner.priority}`;
  if (loser.specificity !== winner.specificity)
    return `same priority, less specific (${loser.specificity} < ${winnerName}'s ${winner.specificity} matchers)`;
  return `same priority and specificity; ${winnerName} sorts first by name`;
}

function pushAll<T>(into: Map<string, T[]>, key: string, value: T): void {
  const list = into.get(key);
  if (list) list.push(value);
  else into.set(key, [value]);
}

export function buildMatchIndex(runbooks: readonly LoadedRunbook[]): MatchIndex {
  const exact = new Map<string, CompiledRunbook[]>();
  const globsByPrefix = new Map<string, CompiledRunbook[]>();
  const prefixLengths = new Set<number>();
  const byName = new Map<string, LoadedRunbook>();

  for (const loaded of runbooks) {
    const compiled = compileRunbook(loaded);
    byName.set(compiled.name, loaded);
    for (const name of compiled.exactAlertnames) pushAll(exact, name, compiled);
    for (const prefix of new Set(compiled.globPrefixes)) {
      pushAll(globsByPrefix, prefix, compiled);
      prefixLengths.add(prefix.length);
    }
  }
  const lengths = [...prefixLengths].sort((a, b) => a - b);

  function candidatesFor(alertname: string): CompiledRunbook[] {
    const found = [...(exact.get(alertname) ?? [])];
    for (const length of lengths) {
      if (length > alertname.length) break;
      const bucket = globsByPrefix.get(alertname.slice(0, length));
      if (bucket) for (const compiled of bucket) if (!found.includes(compiled)) found.push(compiled);
    }
    return found;
  }

  function route(alert: MatchableAlert): RouteResult {
    const accepted: Candidate[] = [];
    const rejected: Rejected[] = [];
    for (const compiled of candidatesFor(alert.labels.alertname ?? "")) {
      const reason = compiled.mismatch(alert);
      if (reason) rejected.push({ runbook: compiled.loaded, reason });
      else
        accepted.push({
          runbook: compiled.loaded,
          priority: compiled.priority,
          specificity: compiled.specificity,
        });
    }
    accepted.sort(rank);

    const named = namedRunbook(alert);
    let reason = "";
    let winner = accepted[0];
    let namedWins = false;
    if (named) {
      const chosen = accepted.find((candidate) => candidate.runbook.runbook.name === named.name);
      if (chosen) {
        winner = chosen;
        namedWins = true;
        reason = `named by the alert's ${named.annotation} annotation`;
      } else {
        reason = byName.has(named.name)
          ? `${named.annotation} annotation names ${named.name}, but its matchers do not accept this alert`
          : `${named.annotation} annotation names ${named.name}, which is not loaded`;
      }
    }
    if (!winner) {
      return { reason: reason || "no runbook matches this alert", lost: [], rejected };
    }
    if (!namedWins) {
      const note =
        accepted.length > 1
          ? `highest ranked of ${accepted.length} matching runbooks`
          : "only matching runbook";
      reason = reason ? `${note}; ${reason}` : note;
    }
    const lost = accepted
      .filter((candidate) => candidate !== winner)
      .map((candidate) => ({ ...candidate, reason: whyLost(candidate, winner, namedWins) }));
    return { winner, target: extractTarget(winner.runbook.runbook, alert.labels), reason, lost, rejected };
  }

  return { size: runbooks.length, byName, route };
}

function namedRunbook(alert: MatchableAlert): { name: string; annotation: string } | undefined {
  for (const annotation of RUNBOOK_ANNOTATIONS) {
    const name = alert.annotations?.[annotation]?.trim();
    // runbook annotations are often URLs to a wiki page; only a bare name names a runbook.
    if (name && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) return { name, annotation };
  }
  return undefined;
}
