/**
 * @module
 * What a change to a runbooks directory does: runbooks added, removed and changed (with
 * the top-level fields that changed), and for every example alert of either side whether
 * its routing (winning runbook, target) changes. Each side is also parsed leniently, one
 * file at a time, so a side with a broken file still routes with the runbooks that parse.
 */
import { isDeepStrictEqual } from "node:util";
import { describeAlert } from "../runbooks/examples.js";
import { parseRunbookText } from "../runbooks/load.js";
import type { LoadedRunbook } from "../runbooks/loaded-runbook.js";
import { buildMatchIndex, type MatchIndex } from "../runbooks/match-index.js";
import type { RunbookProblem } from "../runbooks/problem.js";
import { buildRunbookSet, type RunbookSource } from "../runbooks/runbook-set.js";

export interface RunbookSide {
  /** e.g. `origin/main` or `working tree` */
  label: string;
  /** Runbooks that parse on their own, first file winning a duplicate name. */
  runbooks: LoadedRunbook[];
  index: MatchIndex;
  /** Files that do not parse at all, so no name is known for them. */
  unreadable: string[];
  /** Every problem `runbridge validate` would report for this side. */
  problems: RunbookProblem[];
}

export interface RunbookChange {
  name: string;
  change: "added" | "removed" | "changed" | "invalid";
  file: string;
  /** Changed top-level fields (only for `changed`). */
  fields: string[];
  note?: string;
}

export interface Routing {
  runbook: string | null;
  target: string | null;
}

export interface RoutingChange {
  alert: string;
  /** Which runbooks' examples carry this alert, e.g. `nginx-down #1`. */
  examples: string[];
  before: Routing;
  after: Routing;
}

export interface RunbooksDiff {
  base: string;
  head: string;
  changes: RunbookChange[];
  /** Distinct example alerts routed on both sides. */
  examplesChecked: number;
  routing: RoutingChange[];
  /** Problems of the head side: the change must not merge while there are any. */
  problems: RunbookProblem[];
}

/** Parses one side of the diff. */
export function readSide(label: string, sources: readonly RunbookSource[]): RunbookSide {
  const runbooks: LoadedRunbook[] = [];
  const unreadable: string[] = [];
  const names = new Set<string>();
  for (const source of sources) {
    const { runbook } = parseRunbookText(source.text, source.file);
    if (!runbook) unreadable.push(source.file);
    else if (!names.has(runbook.runbook.name)) {
      names.add(runbook.runbook.name);
      runbooks.push(runbook);
    }
  }
  return {
    label,
    runbooks,
    index: buildMatchIndex(runbooks),
    unreadable,
    problems: buildRunbookSet(sources).problems,
  };
}

function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf("/"), file.lastIndexOf(":")) + 1);
}

/** Changed fields, named as the author writes them. */
function changedFields(before: LoadedRunbook, after: LoadedRunbook): string[] {
  const a = before.runbook as unknown as Record<string, unknown>;
  const b = after.runbook as unknown as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  // `approvalTimeoutMs` only follows `approvalTimeout`, which names the change already.
  const twin = (key: string) => key.endsWith("Ms") && keys.has(key.slice(0, -2));
  return [...keys].filter((key) => !twin(key) && !isDeepStrictEqual(a[key], b[key])).sort();
}

function runbookChanges(base: RunbookSide, head: RunbookSide): RunbookChange[] {
  const before = new Map(base.runbooks.map((loaded) => [loaded.runbook.name, loaded]));
  const after = new Map(head.runbooks.map((loaded) => [loaded.runbook.name, loaded]));
  const changes: RunbookChange[] = [];
  for (const [name, loaded] of after) {
    const old = before.get(name);
    if (!old) {
      changes.push({ name, change: "added", file: loaded.file, fields: [] });
    } else if (old.sourceHash !== loaded.sourceHash) {
      const fields = changedFields(old, loaded);
      const moved = baseName(old.file) !== baseName(loaded.file) ? `moved from ${baseName(old.file)}` : "";
      const note = [
        fields.length === 0 ? "no effective change (formatting, comments or spelled-out defaults)" : "",
        moved,
      ]
        .filter(Boolean)
        .join("; ");
      changes.push({ name, change: "changed", file: loaded.file, fields, ...(note && { note }) });
    }
  }
  for (const [name, loaded] of before) {
    if (!after.has(name)) changes.push({ name, change: "removed", file: loaded.file, fields: [] });
  }
  for (const file of head.unreadable) {
    changes.push({
      name: baseName(file),
      change: "invalid",
      file,
      fields: [],
      note: "does not load; see problems",
    });
  }
  const order = { added: 0, changed: 1, removed: 2, invalid: 3 };
  return changes.sort((a, b) => order[a.change] - order[b.change] || a.name.localeCompare(b.name));
}

function routingOf(index: MatchIndex, alert: ExampleAlert): Routing {
  const result = index.route(alert);
  return { runbook: result.winner?.runbook.runbook.name ?? null, target: result.target ?? null };
}

interface ExampleAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  examples: string[];
}

function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

/** Every distinct example alert of either side, with the examples that carry it. */
function exampleAlerts(sides: readonly RunbookSide[]): ExampleAlert[] {
  const byKey = new Map<string, ExampleAlert>();
  for (const side of sides) {
    for (const loaded of side.runbooks) {
      loaded.runbook.examples.forEach((example, position) => {
        const labels = example.alert.labels;
        const annotations = example.alert.annotations ?? {};
        const key = JSON.stringify([sortedEntries(labels), sortedEntries(annotations)]);
        const label = `${loaded.runbook.name} #${position + 1}`;
        const known = byKey.get(key);
        if (!known) byKey.set(key, { labels, annotations, examples: [label] });
        else if (!known.examples.includes(label)) known.examples.push(label);
      });
    }
  }
  return [...byKey.values()];
}

/** Compares two sides of a runbooks directory. */
export function diffRunbooks(base: RunbookSide, head: RunbookSide): RunbooksDiff {
  const alerts = exampleAlerts([base, head]);
  const routing: RoutingChange[] = [];
  for (const alert of alerts) {
    const before = routingOf(base.index, alert);
    const after = routingOf(head.index, alert);
    if (!isDeepStrictEqual(before, after)) {
      routing.push({ alert: describeAlert(alert.labels), examples: alert.examples, before, after });
    }
  }
  return {
    base: base.label,
    head: head.label,
    changes: runbookChanges(base, head),
    examplesChecked: alerts.length,
    routing,
    problems: head.problems,
  };
}
