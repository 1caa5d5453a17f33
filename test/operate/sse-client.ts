/**
 * @module
 * A Server-Sent Events reader over fetch for the tests: it keeps every frame it received
 * (event, id, data) so a test can wait for one and inspect the order.
 */
import { waitUntil } from "../harness/ports.js";

export interface SseFrame {
  event: string;
  id?: string;
  data: string;
  retry?: number;
}

export interface SseConnection {
  status: number;
  frames: SseFrame[];
  /** Audit events received (event: audit), parsed. */
  audit(): { id: number; kind: string; alertname: string | null; target: string | null; message: string }[];
  waitFor(check: (frames: SseFrame[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: controller.signal,
  });
  const frames: SseFrame[] = [];
  const ended = (async () => {
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: SseFrame = { event: "message", data: "" };
          const data: string[] = [];
          for (const line of block.split("\n")) {
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
            if (field === "event") frame.event = value;
            else if (field === "data") data.push(value);
            else if (field === "id") frame.id = value;
            else if (field === "retry") frame.retry = Number(value);
          }
          frame.data = data.join("\n");
          frames.push(frame);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: response.status,
    frames,
    audit: () => frames.filter((frame) => frame.event === "audit").map((frame) => JSON.parse(frame.data)),
    async waitFor(check, what, timeoutMs = 10_000) {
      await waitUntil(() => check(frames), { what, timeoutMs, intervalMs: 20 });
    },
    ended,
    close: () => controller.abort(),
  };
}
