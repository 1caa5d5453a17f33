/**
 * @module
 * Reads an HTTP response body up to a limit: a check must not buffer an endless stream.
 */

/** Bytes of a response body a check reads. */
export const BODY_LIMIT = 1024 * 1024;

/** The body as text, cut at `limit` bytes. */
export async function readBody(
  response: Response,
  limit = BODY_LIMIT,
): Promise<{ text: string; cut: boolean }> {
  if (!response.body) return { text: "", cut: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= limit) {
      await reader.cancel();
      return { text: Buffer.concat(chunks).subarray(0, limit).toString("utf8"), cut: true };
    }
  }
  return { text: Buffer.concat(chunks).toString("utf8"), cut: false };
}
