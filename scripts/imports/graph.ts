/**
 * @module
 * The import graph of the repository's own code: every `import … from`, `export … from`,
 * `import("…")` and `import x = require("…")` whose specifier is relative, resolved to a file
 * the way TypeScript's NodeNext resolution does for this repository (`./x.js` is `./x.ts`).
 * Package imports are left out: the rules are about which part of the flow reaches which.
 *
 * @example
 *   const edges = buildImportGraph(root, ["bridge", "action/src"]);
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import ts from "typescript";

/** One import of one file, with paths relative to the repository root and `/` as separator. */
export interface ImportEdge {
  from: string;
  /** The specifier as written, e.g. `../store/audit.js`. */
  specifier: string;
  /** The file it resolves to, or undefined when no file exists there. */
  to: string | undefined;
  /** `import type` / `export type`: erased at run time, but still a dependency of the design. */
  typeOnly: boolean;
}

const SOURCE = /\.(ts|mts|js|mjs)$/;
const DECLARATION = /\.d\.ts$/;

function toPosix(path: string): string {
  return path.split(sep).join("/");
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (SOURCE.test(entry.name) && !DECLARATION.test(entry.name)) files.push(path);
  }
  return files;
}

/** The file a relative specifier names: itself, its TypeScript source, or its folder's index. */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = join(dirname(fromFile), specifier);
  const candidates = [
    base,
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.mjs$/, ".mts"),
    `${base}.ts`,
    join(base, "index.ts"),
    join(base, "index.js"),
  ];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import "./x.js"` runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  // `import { type A, type B }` is erased as a whole only without a default import.
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

/** Every module specifier a source text imports, with whether the import is erased. */
export function importsOf(fileName: string, text: string): { specifier: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: isTypeOnlyImport(node) });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: false });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * @param root the repository root
 * @param dirs folders under the root whose files are the graph's sources (their imports
 *   may point anywhere in the repository)
 * @returns every relative import of those files
 */
export function buildImportGraph(root: string, dirs: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const dir of dirs) {
    for (const file of sourceFiles(join(root, dir))) {
      for (const { specifier, typeOnly } of importsOf(file, readFileSync(file, "utf8"))) {
        if (!specifier.startsWith(".")) continue;
        const resolved = resolveRelative(file, specifier);
        edges.push({
          from: toPosix(relative(root, file)),
          specifier,
          to: resolved === undefined ? undefined : toPosix(relative(root, resolved)),
          typeOnly,
        });
      }
    }
  }
  return edges;
}
