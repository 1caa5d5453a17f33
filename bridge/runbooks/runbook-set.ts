/**
 * @module
 * A runbook set: every runbook of a source (a directory, or a Git tree at a commit),
 * validated together — unique names, examples routed against the whole set — with its
 * match index. A set with any problem is never activated; the caller keeps the last good one.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { positionOfExample, positionOfField } from "./example-position.js";
import { checkExamples } from "./examples.js";
import { listRunbookFiles, parseRunbookText } from "./load.js";
import type { LoadedRunbook } from "./loaded-runbook.js";
import { buildMatchIndex, type MatchIndex } from "./match-index.js";
import { compareNames } from "./name-order.js";
import { RunbookProblem } from "./problem.js";

export interface RunbookSource {
  file: string;
  text: string;
}

export interface RunbookSet {
  runbooks: LoadedRunbook[];
  index: MatchIndex;
  /** sha256 over every file's name and hash: one value names the whole set's version. */
  sourceHash: string;
  /** Git commit the set was read at, when it came from GitHub. */
  commitSha?: string;
}

export interface RunbookSetResult {
  set?: RunbookSet;
  problems: RunbookProblem[];
}

export function buildRunbookSet(sources: readonly RunbookSource[], commitSha?: string): RunbookSetResult {
  const problems: RunbookProblem[] = [];
  const runbooks: LoadedRunbook[] = [];
  const texts = new Map<LoadedRunbook, string>();
  for (const source of sources) {
    const result = parseRunbookText(source.text, source.file);
    problems.push(...result.problems);
    if (result.runbook) {
      runbooks.push(result.runbook);
      texts.set(result.runbook, source.text);
    }
  }

  const firstFile = new Map<string, string>();
  for (const loaded of runbooks) {
    const name = loaded.runbook.name;
    const earlier = firstFile.get(name);
    if (earlier) {
      problems.push(
        new RunbookProblem(
          positionOfField(loaded.file, texts.get(loaded) ?? "", ["name"]),
          `duplicate runbook name "${name}" (also in ${earlier})`,
        ),
      );
    } else {
      firstFile.set(name, loaded.file);
    }
  }

  const index = buildMatchIndex(runbooks);
  // Examples are only meaningful once every runbook parsed; a broken sibling would make them lie.
  if (problems.length === 0) {
    for (const failure of checkExamples(runbooks, index)) {
      problems.push(
        new RunbookProblem(
          positionOfExample(failure.runbook.file, texts.get(failure.runbook) ?? "", failure.index),
          `example ${failure.index + 1}: ${failure.message}`,
        ),
      );
    }
  }
  if (problems.length > 0) return { problems };

  const hash = createHash("sha256");
  for (const loaded of [...runbooks].sort((a, b) => compareNames(a.runbook.name, b.runbook.name))) {
    hash.update(`${basename(loaded.file)}\0${loaded.sourceHash}\n`);
  }
  return { set: { runbooks, index, sourceHash: hash.digest("hex"), commitSha }, problems: [] };
}

/** Reads every runbook file of a directory and builds the set. */
export function loadRunbookSet(dir: string): RunbookSetResult {
  let files: string[];
  try {
    files = listRunbookFiles(dir);
  } catch (error) {
    return {
      problems: [
        new RunbookProblem(
          { file: dir, path: "" },
          `cannot read the runbooks directory: ${(error as Error).message}. Set RUNBRIDGE_RUNBOOKS to a directory of *.yml runbooks.`,
        ),
      ],
    };
  }
  return buildRunbookSet(files.map((file) => ({ file, text: readFileSync(file, "utf8") })));
}
