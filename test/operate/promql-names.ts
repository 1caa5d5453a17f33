/**
 * @module
 * The metric names a PromQL expression reads: enough of a tokenizer to drop strings, label
 * matchers, ranges, grouping clauses, functions and keywords, and keep the series names.
 *
 * @example
 *   metricNames('sum by (le) (rate(x_bucket{job=~"$job"}[5m]))') // ["x_bucket"]
 */

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "inf",
  "nan",
]);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const after = stripped.slice((match.index ?? 0) + name.length).trimStart();
    if (after.startsWith("(")) continue; // a function or aggregation
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (/^\d/.test(name)) continue;
    const before = stripped.slice(0, match.index ?? 0);
    if (/\$\w*$/.test(before) || /\d$/.test(before)) continue; // $__range, 1e3
    names.add(name);
  }
  return [...names];
}
