/**
 * @module
 * Text PostgreSQL can hold, for the store's two ways of sending values (store-client.ts's
 * parameters, statement-batch.ts's JSON arrays).
 */

/**
 * PostgreSQL text cannot hold NUL (U+0000), nor jsonb its escape; alert content may (labels
 * are untrusted input). Each becomes U+FFFD, the replacement character, so the alert is kept
 * instead of failing its delivery forever. An escaped backslash before `u0000` is text, kept.
 */
export function withoutNul(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
}

/** JSON text whose `\u0000` escapes (which jsonb refuses) become `\ufffd`; an escaped backslash before `u0000` is text. */
export function jsonWithoutNul(json: string): string {
  return json.includes("\\u0000")
    ? json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd")
    : withoutNul(json);
}
