// Properties of routing over any set of runbooks and any alert: the index (exact names looked
// up, globs bucketed by their literal prefix) accepts exactly the runbooks a plain reading of
// their matchers accepts, and the winner is the one the ranking rule names, whatever order the
// runbooks were loaded in. The globs here use only `*` and `!`, so the reference below reads
// them with a regular expression of its own instead of the matcher's minimatch.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseRunbookText } from "./load.js";
import type { LoadedRunbook } from "./loaded-runbook.js";
import { buildMatchIndex } from "./match-index.js";
import { compareNames } from "./name-order.js";

const PIECES = ["Kube", "Pod", "Node", "Disk", "Full", "Down"] as const;
const piece = fc.constantFrom(...PIECES);
const alertname = fc.array(piece, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(""));

/** An alertname glob: a name, a prefix, a suffix or an infix wildcard. */
const positiveGlob = fc.oneof(
  alertname,
  piece.map((p) => `${p}*`),
  piece.map((p) => `*${p}`),
  fc.tuple(piece, piece).map(([a, b]) => `${a}*${b}`),
);
const alertnameGlobs = fc.oneof(
  positiveGlob,
  fc.array(positiveGlob, { minLength: 1, maxLength: 3 }),
  fc.tuple(positiveGlob, alertname).map(([glob, excluded]) => [glob, `!${excluded}`]),
  alertname.map((excluded) => `!${excluded}`),
);
const severityGlobs = fc.constantFrom("critical", "warning", "crit*", "!info");

const runbookSpec = fc.record({
  alertname: alertnameGlobs,
  severity: fc.option(severityGlobs, { nil: undefined }),
  priority: fc.constantFrom(0, 0, 10, 50),
});

const alertSpec = fc.record({
  alertname,
  severity: fc.option(fc.constantFrom("critical", "warning", "info"), { nil: undefined }),
  /** Which runbook (by position) the alert's runbook annotation names, if any. */
  names: fc.option(fc.nat({ max: 5 }), { nil: undefined }),
});

type RunbookSpec = {
  alertname: string | string[];
  severity: string | undefined;
  priority: number;
};

function load(spec: RunbookSpec, index: number): LoadedRunbook {
  const document = {
    name: `rb${index}`,
    description: "property test runbook",
    owner: "@acme/sre",
    mode: "notify",
    priority: spec.priority,
    match: {
      alertname: spec.alertname,
      ...(spec.severity === undefined ? {} : { labels: { severity: spec.severity } }),
    },
  };
  const { runbook, problems } = parseRunbookText(stringify(document), `rb${index}.yml`);
  if (!runbook) throw new Error(problems.map(String).join("\n"));
  return runbook;
}

/** `*` is any run of characters; everything else is itself. */
function globMatches(glob: string, value: string): boolean {
  const pattern = glob
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`).test(value);
}

/** A list matches when a positive glob does (or there is none) and no negated one does. */
function listMatches(globs: string | string[], value: string): boolean {
  const list = typeof globs === "string" ? [globs] : globs;
  const negated = list.filter((glob) => glob.startsWith("!")).map((glob) => glob.slice(1));
  const positive = list.filter((glob) => !glob.startsWith("!"));
  if (negated.some((glob) => globMatches(glob, value))) return false;
  return positive.length === 0 || positive.some((glob) => globMatches(glob, value));
}

function accepts(spec: RunbookSpec, labels: Record<string, string>): boolean {
  return (
    listMatches(spec.alertname, labels.alertname ?? "") &&
    (spec.severity === undefined || listMatches(spec.severity, labels.severity ?? ""))
  );
}

describe("routing, for any runbooks and any alert", () => {
  it("accepts exactly the runbooks whose matchers accept the alert, and picks the ranking rule's winner in any load order", () => {
    fc.assert(
      fc.property(
        fc.array(runbookSpec, { minLength: 1, maxLength: 6 }),
        alertSpec,
        fc.nat(),
        (specs, alert, shuffleSeed) => {
          const loaded = specs.map(load);
          const labels: Record<string, string> = { alertname: alert.alertname };
          if (alert.severity !== undefined) labels.severity = alert.severity;
          const named =
            alert.names !== undefined && alert.names < specs.length ? `rb${alert.names}` : undefined;
          const annotations: Record<string, string> = named ? { runbook: named } : {};

          const result = buildMatchIndex(loaded).route({ labels, annotations });
          const routed = [result.winner, ...result.lost].flatMap((candidate) =>
            candidate ? [candidate.runbook.runbook.name] : [],
          );
          const expected = specs.flatMap((spec, index) => (accepts(spec, labels) ? [`rb${index}`] : []));
          expect([...routed].sort()).toEqual([...expected].sort());
          // Whatever the alertname met but did not pass is reported, never an accepted one.
          for (const { runbook } of result.rejected) expect(expected).not.toContain(runbook.runbook.name);

          if (expected.length === 0) {
            expect(result.winner).toBeUndefined();
          } else if (named && expected.includes(named)) {
            expect(result.winner?.runbook.runbook.name).toBe(named);
          } else {
            // No accepted runbook ranks above the winner: priority, then specificity, then name.
            const winner = result.winner;
            expect(winner).toBeDefined();
            for (const candidate of result.lost) {
              const before =
                candidate.priority - (winner?.priority ?? 0) ||
                candidate.specificity - (winner?.specificity ?? 0) ||
                compareNames(winner?.runbook.runbook.name ?? "", candidate.runbook.runbook.name);
              expect(before).toBeLessThan(0);
            }
          }

          // The order the runbooks were loaded in changes nothing.
          const shuffled = [...loaded];
          let state = shuffleSeed;
          for (let index = shuffled.length - 1; index > 0; index--) {
            state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
            const other = state % (index + 1);
            [shuffled[index], shuffled[other]] = [
              shuffled[other] as LoadedRunbook,
              shuffled[index] as LoadedRunbook,
            ];
          }
          const again = buildMatchIndex(shuffled).route({ labels, annotations });
          expect(again.winner?.runbook.runbook.name).toBe(result.winner?.runbook.runbook.name);
          expect(again.target).toBe(result.target);
          expect(again.lost.map((candidate) => candidate.runbook.runbook.name).sort()).toEqual(
            result.lost.map((candidate) => candidate.runbook.runbook.name).sort(),
          );
        },
      ),
      { seed: 20261207, numRuns: 300 },
    );
  });
});
