/**
 * @module
 * One runbook's matchers, compiled once per runbook set: alertname globs, label and
 * annotation matchers, and the specificity used to break priority ties.
 */
import type { MatchableAlert } from "./alert-shape.js";
import { compileGlobs, globList, isLiteral, type ValueMatcher } from "./globs.js";
import type { LoadedRunbook } from "./loaded-runbook.js";
import type { MatcherMap } from "./runbook.types.js";

export interface CompiledRunbook {
  loaded: LoadedRunbook;
  name: string;
  priority: number;
  /** More constrained matchers rank higher when priorities tie. */
  specificity: number;
  /** Literal alertnames, indexed directly; empty when any alertname glob is a pattern. */
  exactAlertnames: string[];
  /** Literal prefix of each pattern alertname ("" when it starts with a wildcard or is negated). */
  globPrefixes: string[];
  /** Why the alert does not match, or undefined when it does. */
  mismatch(alert: MatchableAlert): string | undefined;
}

interface FieldMatcher {
  kind: "label" | "annotation";
  name: string;
  globs: string;
  test: ValueMatcher;
}

function fieldMatchers(kind: FieldMatcher["kind"], map: MatcherMap | undefined): FieldMatcher[] {
  return Object.entries(map ?? {}).map(([name, globs]) => ({
    kind,
    name,
    globs: globList(globs).join(", "),
    test: compileGlobs(globs),
  }));
}

function literalPrefix(glob: string): string {
  const magic = glob.search(/[*?[\]{}()!+@\\]/);
  return magic === -1 ? glob : glob.slice(0, magic);
}

export function compileRunbook(loaded: LoadedRunbook): CompiledRunbook {
  const { runbook } = loaded;
  const alertnames = globList(runbook.match.alertname);
  const allLiteral = alertnames.every(isLiteral);
  const alertnameTest = compileGlobs(runbook.match.alertname);
  const fields = [
    ...fieldMatchers("label", runbook.match.labels),
    ...fieldMatchers("annotation", runbook.match.annotations),
  ];
  const positives = alertnames.filter((glob) => !glob.startsWith("!"));
  return {
    loaded,
    name: runbook.name,
    priority: runbook.priority,
    specificity: (allLiteral ? 2 : 1) + fields.length,
    exactAlertnames: allLiteral ? alertnames : [],
    globPrefixes: allLiteral ? [] : positives.length === 0 ? [""] : positives.map(literalPrefix),
    mismatch(alert) {
      const alertname = alert.labels.alertname;
      if (!alertnameTest(alertname))
        return `alertname ${alertname ?? "(none)"} is not ${alertnames.join(", ")}`;
      for (const field of fields) {
        const source = field.kind === "label" ? alert.labels : alert.annotations;
        const value = source?.[field.name];
        if (!field.test(value)) {
          return `${field.kind} ${field.name}=${value === undefined ? "(missing)" : JSON.stringify(value)} does not match ${field.globs}`;
        }
      }
      return undefined;
    },
  };
}
