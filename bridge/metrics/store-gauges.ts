/**
 * @module
 * Gauges read from the store when Prometheus scrapes: the database is the truth (a second
 * replica, an operator's write, a restart all show up), and nothing is kept in memory.
 * Each is one indexed query per scrape.
 */
import { Gauge, type Registry } from "prom-client";
import { openBreakers } from "../executions/breaker-changes.js";
import type { RunbookSet } from "../runbooks/runbook-set.js";
import type { Db } from "../store/database.js";
import { countExecutionsByState, listExecutions } from "../store/executions.js";
import { lastDispatchesSince } from "../store/guard-state.js";
import { outboxDepth } from "../store/outbox.js";
import { isEnabled } from "../store/settings.js";
import {
  ACTIVE_STATE_LABELS,
  BREAKER_SCOPES,
  EXECUTION_STATE_LABELS,
  oneOf,
  runbookLabel,
  targetLabel,
} from "./label-values.js";

export interface StoreGaugeSources {
  db: Db;
  runbooks: () => RunbookSet | undefined;
  /** Problems of the last rejected runbook reload (empty after a good one). */
  runbookProblems: () => string[];
  dryRun: boolean;
  now: () => number;
}

/** More series than this for cooldowns means a storm; the longest-running ones are kept. */
export const MAX_COOLDOWN_SERIES = 200;
/** Rows read per state for the age of the oldest waiting execution. */
const AGE_SAMPLE = 200;

/** Remaining cooldown per runbook + target, longest first, only where it is still running. */
export async function cooldownsRemaining(
  db: Db,
  set: RunbookSet | undefined,
  now: number,
): Promise<{ runbook: string; target: string; seconds: number }[]> {
  if (!set) return [];
  const cooldownMs = new Map<string, number>();
  for (const loaded of set.runbooks) {
    const period = loaded.runbook.guards.cooldownMs;
    if (period !== undefined) cooldownMs.set(loaded.runbook.name, period);
  }
  if (cooldownMs.size === 0) return [];
  const longest = Math.max(...cooldownMs.values());
  const latest: { runbook: string; target: string; until: number }[] = [];
  for (const dispatch of await lastDispatchesSince(db, now - longest)) {
    const until = dispatch.at + (cooldownMs.get(dispatch.runbook) ?? 0);
    if (until > now) latest.push({ runbook: dispatch.runbook, target: dispatch.target, until });
  }
  return latest
    .sort((a, b) => b.until - a.until)
    .slice(0, MAX_COOLDOWN_SERIES)
    .map((entry) => ({ runbook: entry.runbook, target: entry.target, seconds: (entry.until - now) / 1000 }));
}

/**
 * Registers the store-backed gauges on `registry`.
 *
 * @param registry the bridge's prom-client registry
 * @param sources the database and the live runbook set
 */
export function registerStoreGauges(registry: Registry, sources: StoreGaugeSources): void {
  const registers = [registry];
  const { db } = sources;
  const isLoaded = (name: string) => sources.runbooks()?.index.byName.has(name) ?? false;

  new Gauge({
    name: "runbridge_executions",
    help: "Executions in the database by state.",
    labelNames: ["state"],
    registers,
    async collect() {
      const counts = await countExecutionsByState(db);
      for (const state of EXECUTION_STATE_LABELS) this.set({ state }, counts[state] ?? 0);
    },
  });

  new Gauge({
    name: "runbridge_execution_oldest_age_seconds",
    help: "Seconds the oldest execution has been in each waiting state (since its last change); 0 when none waits.",
    labelNames: ["state"],
    registers,
    async collect() {
      const now = sources.now();
      for (const state of ACTIVE_STATE_LABELS) {
        const rows = await listExecutions(db, { state: [state], limit: AGE_SAMPLE });
        const oldest = rows.reduce((min, row) => Math.min(min, row.updatedAt), Number.POSITIVE_INFINITY);
        this.set({ state }, Number.isFinite(oldest) ? Math.max(0, now - oldest) / 1000 : 0);
      }
    },
  });

  new Gauge({
    name: "runbridge_breakers_open",
    help: "Open circuit breakers by runbook and scope (global breakers have an empty runbook).",
    labelNames: ["runbook", "scope"],
    registers,
    async collect() {
      this.reset();
      for (const row of await openBreakers(db, sources.now())) {
        const scope = oneOf(row.scope, BREAKER_SCOPES);
        const runbook = row.scope === "global" ? "" : runbookLabel(row.runbook, isLoaded);
        this.inc({ runbook, scope });
      }
    },
  });

  new Gauge({
    name: "runbridge_cooldown_remaining_seconds",
    help: "Seconds until runbook + target may dispatch again; a series exists only while its cooldown runs.",
    labelNames: ["runbook", "target"],
    registers,
    async collect() {
      this.reset();
      for (const entry of await cooldownsRemaining(db, sources.runbooks(), sources.now())) {
        this.set(
          { runbook: runbookLabel(entry.runbook, isLoaded), target: targetLabel(entry.target) },
          entry.seconds,
        );
      }
    },
  });

  new Gauge({
    name: "runbridge_outbox_depth",
    help: "Dispatches waiting for GitHub (pending or in flight).",
    registers,
    async collect() {
      this.set(await outboxDepth(db));
    },
  });

  new Gauge({
    name: "runbridge_runbooks_loaded",
    help: "Runbooks in the active set (0 before a valid set loaded).",
    registers,
    collect() {
      this.set(sources.runbooks()?.runbooks.length ?? 0);
    },
  });

  new Gauge({
    name: "runbridge_runbooks_info",
    help: "The active runbook set: its content hash and, when read from GitHub, its commit.",
    labelNames: ["source_hash", "commit_sha"],
    registers,
    collect() {
      this.reset();
      const set = sources.runbooks();
      if (set) this.set({ source_hash: set.sourceHash.slice(0, 12), commit_sha: set.commitSha ?? "" }, 1);
    },
  });

  new Gauge({
    name: "runbridge_runbook_problems",
    help: "Problems of the last rejected runbook reload; above 0 means a broken change was refused and an older set is active.",
    registers,
    collect() {
      this.set(sources.runbookProblems().length);
    },
  });

  new Gauge({
    name: "runbridge_enabled",
    help: "1 when automation is on, 0 when the kill switch stopped it.",
    registers,
    async collect() {
      this.set((await isEnabled(db)) ? 1 : 0);
    },
  });

  new Gauge({
    name: "runbridge_dry_run",
    help: "1 when the bridge runs in dry-run (records decisions, dispatches nothing).",
    registers,
    collect() {
      this.set(sources.dryRun ? 1 : 0);
    },
  });
}
