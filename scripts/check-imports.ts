/**
 * Fails (exit 1) when code imports across a boundary the rule table forbids, listing each
 * import with its rule; run by scripts/test.sh before vitest. The table and what each part
 * owns: scripts/imports/rules.ts and docs/architecture.md.
 *
 *   npx tsx scripts/check-imports.ts [repository root, default: this checkout]
 */
import { fileURLToPath } from "node:url";
import { checkImports, formatViolation } from "./imports/check.js";
import { buildImportGraph } from "./imports/graph.js";
import { importRules } from "./imports/rules.js";

/** The folders whose imports are checked (their imports may point anywhere in the repository). */
const CHECKED_DIRS = ["bridge", "action/src"];

const root = process.argv[2] ?? fileURLToPath(new URL("..", import.meta.url));
const edges = buildImportGraph(root, CHECKED_DIRS);
const violations = checkImports(edges, importRules);
if (violations.length > 0) {
  process.stderr.write(
    `${violations.length} forbidden import${violations.length === 1 ? "" : "s"} (rules: scripts/imports/rules.ts, docs/architecture.md):\n` +
      `${violations.map((violation) => `  ${formatViolation(violation)}`).join("\n")}\n`,
  );
  process.exit(1);
}
process.stdout.write(`imports: ${edges.length} checked across ${CHECKED_DIRS.join(", ")}; none forbidden\n`);
