/**
 * @module
 * Finds the imports the rule table forbids in an import graph. Pure: the graph and the
 * rules come in, the violations go out, so a test can feed it a graph of three files.
 *
 * @example
 *   const violations = checkImports(buildImportGraph(root, ["bridge", "action/src"]), importRules);
 */
import type { ImportEdge } from "./graph.js";
import type { ImportRule } from "./rules.js";

export interface ImportViolation {
  rule: ImportRule;
  /** The importing file and the forbidden file it reaches, first to last (two entries when direct). */
  chain: string[];
  /** The specifier of the first import in the chain, as written. */
  specifier: string;
  /** Every import in the chain is `import type` (erased at run time, still a forbidden dependency). */
  typeOnly: boolean;
}

/** An entry ending in `/` is a folder, one starting with `*` a suffix (`*.test.ts`), any other one file. */
function covers(entries: readonly string[], path: string): boolean {
  return entries.some((entry) =>
    entry.endsWith("/")
      ? path.startsWith(entry)
      : entry.startsWith("*")
        ? path.endsWith(entry.slice(1))
        : path === entry,
  );
}

function isForbidden(rule: ImportRule, path: string): boolean {
  return covers(rule.forbidden, path) && !covers(rule.except ?? [], path);
}

/** The shortest chain from `start` through resolved imports to a file the rule forbids. */
function forbiddenChain(
  rule: ImportRule,
  start: ImportEdge,
  imports: Map<string, ImportEdge[]>,
): { chain: string[]; typeOnly: boolean } | undefined {
  const first = start.to as string;
  const queue: { file: string; chain: string[]; typeOnly: boolean }[] = [
    { file: first, chain: [start.from, first], typeOnly: start.typeOnly },
  ];
  const seen = new Set([start.from, first]);
  while (queue.length > 0) {
    const next = queue.shift() as (typeof queue)[number];
    if (isForbidden(rule, next.file)) return { chain: next.chain, typeOnly: next.typeOnly };
    for (const edge of imports.get(next.file) ?? []) {
      if (edge.to === undefined || seen.has(edge.to)) continue;
      seen.add(edge.to);
      queue.push({
        file: edge.to,
        chain: [...next.chain, edge.to],
        typeOnly: next.typeOnly && edge.typeOnly,
      });
    }
  }
  return undefined;
}

/**
 * @param edges the import graph (unresolved imports are ignored here; tsc reports them)
 * @param rules the table of forbidden imports
 * @returns one violation per import that reaches a forbidden file, per rule
 */
export function checkImports(edges: readonly ImportEdge[], rules: readonly ImportRule[]): ImportViolation[] {
  const imports = new Map<string, ImportEdge[]>();
  for (const edge of edges) {
    const list = imports.get(edge.from) ?? [];
    list.push(edge);
    imports.set(edge.from, list);
  }
  const violations: ImportViolation[] = [];
  // Many files reach the same offending import through a shared module: name that import once.
  const reported = new Set<string>();
  for (const rule of rules) {
    for (const edge of edges) {
      if (edge.to === undefined || !covers(rule.from, edge.from)) continue;
      if (covers(rule.exceptFrom ?? [], edge.from)) continue;
      // A file importing its own part is never a violation of a rule about other parts.
      if (covers(rule.from, edge.to) && !isForbidden(rule, edge.to)) continue;
      if (isForbidden(rule, edge.to)) {
        violations.push({
          rule,
          chain: [edge.from, edge.to],
          specifier: edge.specifier,
          typeOnly: edge.typeOnly,
        });
      } else if (rule.transitive) {
        const found = forbiddenChain(rule, edge, imports);
        const key = `${rule.name}\0${found?.chain.slice(-2).join("\0")}`;
        if (found && !reported.has(key)) {
          reported.add(key);
          violations.push({ rule, specifier: edge.specifier, ...found });
        }
      }
    }
  }
  return violations;
}

/** One line per violation: the chain, the rule and why, ready for a terminal. */
export function formatViolation(violation: ImportViolation): string {
  const chain = violation.chain.join(" -> ");
  const kind = violation.typeOnly ? " (type-only)" : "";
  return `${chain}${kind}\n    rule "${violation.rule.name}": ${violation.rule.why}`;
}

/**
 * Import cycles, each as the files around it (first file repeated at the end). Two modules
 * that import each other are one idea split in two, or a third module both should import
 * (bench/run.ts and bench/report.ts once shared their types that way).
 */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const imports = new Map<string, string[]>();
  for (const edge of edges) {
    if (edge.to === undefined) continue;
    imports.set(edge.from, [...(imports.get(edge.from) ?? []), edge.to]);
  }
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (file: string): void => {
    path.push(file);
    onPath.add(file);
    for (const next of imports.get(file) ?? []) {
      if (onPath.has(next)) cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!done.has(next)) visit(next);
    }
    path.pop();
    onPath.delete(file);
    done.add(file);
  };
  for (const file of [...imports.keys()].sort()) if (!done.has(file)) visit(file);
  return cycles;
}
