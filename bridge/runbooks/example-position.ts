import { LineCounter, parseDocument } from "yaml";
import { formatPath, type ProblemLocation } from "./problem.js";
import { positionOf } from "./source-map.js";

/** Where a field is written in a runbook's text, for problems found only once the set is built. */
export function positionOfField(
  file: string,
  text: string,
  segments: readonly (string | number)[],
): ProblemLocation {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines });
  return { file, path: formatPath(segments), ...positionOf(document, lines, segments) };
}

/** Where example N is written in a runbook's text. */
export function positionOfExample(file: string, text: string, index: number): ProblemLocation {
  return positionOfField(file, text, ["examples", index]);
}
