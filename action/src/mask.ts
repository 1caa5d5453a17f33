/**
 * @module
 * Masks secret values in text we write ourselves (summaries, reports, notifications); the
 * runner masks its log, but not files the Action writes.
 */

export type Mask = (text: string) => string;

// Shorter values would garble ordinary output ("1", "on") and protect nothing.
const MIN_LENGTH = 4;

/** Builds a mask for these values; multi-line values are also masked line by line, as the runner does. */
export function createMask(values: Iterable<string>): Mask {
  const needles = new Set<string>();
  for (const value of values) {
    for (const part of [value, ...value.split(/\r?\n/)]) {
      const trimmed = part.trim();
      if (trimmed.length >= MIN_LENGTH) needles.add(trimmed);
    }
  }
  // Longest first, so a secret containing another is replaced whole.
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const needle of ordered) out = out.split(needle).join("***");
    return out;
  };
}
