// A stand-in for the bridge's webhook endpoint: records every request Alertmanager makes, so the
// harness tests can check what the real Alertmanager sends (payload, headers, count, timing).
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { LOOPBACK, waitUntil } from "./ports.js";

/** Alertmanager webhook payload, version "4" (the only version Alertmanager has ever sent). */
export interface AlertmanagerWebhook {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: "firing" | "resolved";
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: {
    status: "firing" | "resolved";
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }[];
}

export interface ReceivedWebhook {
  /** Date.now() on arrival, for post-to-webhook latency measurements. */
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: AlertmanagerWebhook;
}

export interface WebhookReceiver {
  /** Full URL to configure as the Alertmanager webhook, e.g. http://127.0.0.1:4321/webhook/alertmanager */
  url: string;
  received: ReceivedWebhook[];
  /** Resolves with the first recorded webhook (from any time) matching `predicate`. */
  waitFor(predicate: (w: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = "/webhook/alertmanager"): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as AlertmanagerWebhook;
        received.push({
          at: Date.now(),
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body,
        });
        res.writeHead(200).end();
      } catch {
        // A 4xx makes Alertmanager log the failure instead of retrying; visible in its log tail.
        res.writeHead(400).end("invalid JSON");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${port}${path}`,
    received,
    waitFor: (predicate, timeoutMs = 15_000) =>
      waitUntil(() => received.find(predicate), { what: "a matching webhook", timeoutMs, intervalMs: 50 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // Alertmanager keeps connections alive; don't wait for them
        server.close(() => resolve());
      }),
  };
}
