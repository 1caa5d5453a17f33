/**
 * @module
 * Bounded output capture: a step may print gigabytes; we keep the last part (where errors
 * are) and count what we dropped.
 */

/** Bytes of output kept per step attempt. */
export const OUTPUT_LIMIT = 64 * 1024;

export interface OutputCapture {
  write(chunk: Buffer | string): void;
  /** The kept output, with a note when the beginning was dropped. */
  text(): string;
}

export function createOutputCapture(limit = OUTPUT_LIMIT): OutputCapture {
  let kept = Buffer.alloc(0);
  let dropped = 0;
  return {
    write(chunk) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      const joined = Buffer.concat([kept, bytes]);
      if (joined.length > limit) {
        dropped += joined.length - limit;
        kept = joined.subarray(joined.length - limit);
      } else {
        kept = joined;
      }
    },
    text() {
      // A cut may split a UTF-8 sequence; drop the replacement character it would leave.
      const body = kept.toString("utf8").replace(/^\uFFFD+/, "");
      return dropped > 0 ? `[${dropped} earlier bytes not kept]\n${body}` : body;
    },
  };
}

/** The last `lines` lines of `text`. */
export function tail(text: string, lines: number): string {
  const all = text.replace(/\n+$/, "").split("\n");
  return all.slice(-lines).join("\n");
}
