/**
 * @module
 * Loads runbook files: YAML → schema → resolved (defaults, milliseconds) → semantic checks. Every problem is
 * located (file:line:column field) and all of them are returned, not just the first.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { LoadedRunbook } from "./loaded-runbook.js";
import { formatPath, RunbookProblem } from "./problem.js";
import { resolveRunbook } from "./resolve.js";
import type { Runbook } from "./runbook.types.js";
import { validateRunbookShape } from "./schema.js";
import { explainSchemaErrors } from "./schema-errors.js";
import { checkSemantics } from "./semantics.js";
import { positionOf } from "./source-map.js";

export type { LoadedRunbook } from "./loaded-runbook.js";
export { RunbookProblem } from "./problem.js";

export interface LoadResult {
  runbook?: LoadedRunbook;
  problems: RunbookProblem[];
}

export const RUNBOOK_FILE = /\.ya?ml$/;

/** Parses one runbook from its text; `file` is only used to name it in problems. */
export function parseRunbookText(text: string, file: string): LoadResult {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (segments: (string | number)[], atKey = false) => ({
    file,
    path: formatPath(segments),
    ...positionOf(document, lines, segments, atKey),
  });

  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => {
        // linePos is only filled in with prettyErrors, which would also rewrite the message.
        const position = lines.linePos(error.pos[0]);
        return new RunbookProblem(
          { file, path: "", line: position.line, column: position.col },
          `YAML syntax: ${error.message.split("\n")[0]}`,
        );
      }),
    };
  }

  const data: unknown = document.toJS({ maxAliasCount: 50 });
  if (!validateRunbookShape(data)) {
    const problems = explainSchemaErrors(validateRunbookShape.errors ?? [], data).map(
      (error) => new RunbookProblem(at(error.segments, error.atKey), error.message),
    );
    return { problems };
  }

  const runbook = resolveRunbook(data as Runbook);
  const semantic = checkSemantics(runbook).map(
    (error) => new RunbookProblem(at(error.segments), error.message),
  );
  if (semantic.length > 0) return { problems: semantic };

  const sourceHash = createHash("sha256").update(text).digest("hex");
  return { runbook: { runbook, file, sourceHash }, problems: [] };
}

/** Loads one runbook file. */
export function loadRunbookFile(file: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return { problems: [new RunbookProblem({ file, path: "" }, `cannot read: ${(error as Error).message}`)] };
  }
  return parseRunbookText(text, file);
}

/** The runbook files of a directory, sorted by name (nested folders are not read). */
export function listRunbookFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && RUNBOOK_FILE.test(entry.name))
    .map((entry) => join(dir, entry.name))
    .sort();
}
