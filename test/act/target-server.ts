// The loopback "web service" the e2e runbook checks and restarts, plus the Slack-compatible
// webhook notify posts to. Per target: healthy-* answer 200, fixable-* after a restart,
// broken-* never. Every request is recorded so tests can assert what reached it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TargetServer {
  port: number;
  /** "POST /restart/fixable-1", in arrival order. */
  requests: string[];
  /** Bodies posted to /slack. */
  slack: unknown[];
  close(): Promise<void>;
}

export async function startTargetServer(): Promise<TargetServer> {
  const restarted = new Set<string>();
  const requests: string[] = [];
  const slack: unknown[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      requests.push(`${request.method} ${path}`);
      const [, action, rawTarget] = /^\/(health|restart|rollback|slack)(?:\/([^/?]*))?/.exec(path) ?? [];
      const target = decodeURIComponent(rawTarget ?? "");
      if (action === "slack") {
        slack.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        response.writeHead(200).end("ok");
      } else if (action === "health") {
        const healthy =
          target.startsWith("healthy-") || (target.startsWith("fixable-") && restarted.has(target));
        response.writeHead(healthy ? 200 : 503).end(healthy ? "ok" : "down");
      } else if (action === "restart") {
        restarted.add(target);
        response.writeHead(204).end();
      } else if (action === "rollback") {
        response.writeHead(204).end();
      } else {
        response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    slack,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
