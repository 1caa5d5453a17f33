import { LineCounter, parseDocument } from "yaml";
import type { ProblemLocation } from "./problem.js";
import { positionOf } from "./source-map.js";

/** Where example N is written in a runbook's text, for problems found only once the set is built. */
export function positionOfExample(file: string, text: string, index: number): ProblemLocation {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines });
  return { file, path: `examples[${index}]`, ...positionOf(document, lines, ["examples", index]) };
}
