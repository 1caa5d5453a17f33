/**
 * @module
 * Finds where a field sits in a YAML document, so errors can point at a line and column.
 */
import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";

export interface Position {
  line: number;
  column: number;
}

/**
 * Position of the value at `segments`, or of its key when `atKey` is set (used for
 * unknown fields). Falls back to the nearest existing parent.
 */
export function positionOf(
  document: Document,
  lines: LineCounter,
  segments: readonly (string | number)[],
  atKey = false,
): Position | undefined {
  let node: unknown = document.contents;
  let best: Node | undefined = node as Node | undefined;
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index];
    const last = index === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && item.key.value === segment,
      );
      if (!pair) break;
      if (last && atKey && pair.key) {
        best = pair.key as Node;
        break;
      }
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
    } else {
      break;
    }
    if (node && (node as Node).range) best = node as Node;
  }
  const offset = best?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}
