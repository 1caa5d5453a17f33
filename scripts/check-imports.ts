/**
 * Fails (exit 1) when code imports across a boundary the rule table forbids, listing each
 * import with its rule, or when modules import each other in a cycle; run by scripts/test.sh
 * before vitest. The table and what each part
 * owns: scripts/imports/rules.ts and docs/architecture.md.
 *
 *   npx tsx scripts/check-imports.ts [repository root, default: this checkout]
 */
import { fileURLToPath } from "node:url";
import { checkImports, findCycles, formatViolation } from "./imports/check.js";
import { buildImportGraph } from "./imports/graph.js";
import { importRules } from "./imports/rules.js";

/** The folders whose imports are checked (their imports may point anywhere in the repository). */
const CHECKED_DIRS = ["bridge", "action/src", "bench", "demo"];

const root = process.argv[2] ?? fileURLToPath(new URL("..", import.meta.url));
const edges = buildImportGraph(root, CHECKED_DIRS);
const violations = checkImports(edges, importRules);
const cycles = findCycles(edges);
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
if (violations.length > 0) {
  process.stderr.write(
    `${plural(violations.length, "forbidden import")} (rules: scripts/imports/rules.ts, docs/architecture.md):\n` +
      `${violations.map((violation) => `  ${formatViolation(violation)}`).join("\n")}\n`,
  );
}
if (cycles.length > 0) {
  process.stderr.write(
    `${plural(cycles.length, "import cycle")}: move what both sides need into a module both import\n` +
      `${cycles.map((cycle) => `  ${cycle.join(" -> ")}`).join("\n")}\n`,
  );
}
if (violations.length > 0 || cycles.length > 0) process.exit(1);
process.stdout.write(
  `imports: ${edges.length} checked across ${CHECKED_DIRS.join(", ")}; none forbidden, no cycles\n`,
);
