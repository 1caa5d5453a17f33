// @ts-check
/**
 * @module
 * A server-sent events parser for the console's token-authenticated feed: EventSource cannot
 * send an Authorization header, so that feed is read with fetch and parsed here, by the
 * rules of the HTML standard's "event stream interpretation": lines end in CRLF, LF or CR
 * (also when a chunk ends between CR and LF), `:` starts a comment, one space after the
 * colon is dropped, `data` lines join with "\n", an event is dispatched at a blank line
 * only when it has data, `id` sets the last event id (never one containing NUL), and a
 * `retry` of ASCII digits sets the reconnection delay at once.
 *
 * @example
 *   const parser = createSseParser({ onEvent: (event) => show(event), onRetry: (ms) => (delay = ms) });
 *   for await (const text of body.pipeThrough(new TextDecoderStream())) parser.push(text);
 */

/**
 * @typedef {object} SseEvent
 * @property {string} type the `event` field, or "message"
 * @property {string} data the `data` lines joined with "\n"
 * @property {string} lastEventId the last `id` seen on the stream (kept across events)
 */

/**
 * @typedef {object} SseHandlers
 * @property {(event: SseEvent) => void} onEvent called for each complete event
 * @property {(ms: number) => void} [onRetry] called when the server sets the reconnection delay
 */

/**
 * @param {SseHandlers} handlers
 * @returns {{ push(text: string): void }} feed it decoded text as it arrives, in any chunks
 */
export function createSseParser(handlers) {
  let buffer = "";
  let started = false;
  // A chunk that ended in CR: an LF at the start of the next one belongs to the same line end.
  let afterCarriageReturn = false;
  let type = "";
  /** @type {string[]} */
  let data = [];
  let lastEventId = "";

  /** @param {string} line */
  function processLine(line) {
    if (line === "") {
      if (data.length > 0) handlers.onEvent({ type: type || "message", data: data.join("\n"), lastEventId });
      type = "";
      data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "id") {
      if (!value.includes("\0")) lastEventId = value;
    } else if (field === "retry") {
      if (/^\d+$/.test(value)) handlers.onRetry?.(Number(value));
    }
    // Any other field is ignored, as the standard says.
  }

  return {
    push(text) {
      let chunk = text;
      if (!started && chunk.length > 0) {
        started = true;
        if (chunk.startsWith("\uFEFF")) chunk = chunk.slice(1);
      }
      if (afterCarriageReturn && chunk.startsWith("\n")) chunk = chunk.slice(1);
      afterCarriageReturn = false;
      buffer += chunk;
      for (;;) {
        const end = buffer.search(/[\r\n]/);
        if (end === -1) return;
        const line = buffer.slice(0, end);
        if (buffer[end] === "\r") {
          if (end + 1 === buffer.length) {
            afterCarriageReturn = true;
            buffer = "";
          } else {
            buffer = buffer.slice(buffer[end + 1] === "\n" ? end + 2 : end + 1);
          }
        } else {
          buffer = buffer.slice(end + 1);
        }
        processLine(line);
      }
    },
  };
}
