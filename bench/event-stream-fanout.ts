/**
 * @module
 * The live event stream under one large delivery (issue 15, item 10): starts the real bridge
 * (dry-run) in its own process, connects `--readers` console readers to GET /api/events that
 * read as fast as loopback allows, posts one Alertmanager delivery of `--alerts` alerts, and
 * prints how long the delivery took, the slowest /healthz answer while the events fan out
 * (probed every 20 ms), the server's RSS before and at its peak, and how many readers got
 * every event and how many were dropped.
 *
 * @example
 *   npx tsx bench/event-stream-fanout.ts --readers 500 --alerts 1500
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type IncomingMessage, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_DIR, killAll, REPO_DIR, startServer } from "./process.js";

const { values } = parseArgs({
  options: {
    readers: { type: "string", default: "500" },
    alerts: { type: "string", default: "1500" },
  },
});
const readers = Number(values.readers);
const alertCount = Number(values.alerts);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024);
}

const failures: string[] = [];

interface Reader {
  audit: number;
  ended: boolean;
  response: IncomingMessage;
}

function connect(url: URL): Promise<Reader> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: "/api/events", headers: { accept: "text/event-stream" } },
      (response) => {
        const reader: Reader = { audit: 0, ended: false, response };
        let tail = "";
        response.on("data", (chunk: Buffer) => {
          const text = tail + chunk.toString();
          reader.audit += text.split("event: audit\n").length - 1;
          tail = text.slice(-20);
          // Frames never repeat inside 20 characters, but one may straddle two chunks.
          if (tail.includes("event: audit\n")) tail = tail.slice(tail.lastIndexOf("event: audit\n") + 13);
        });
        response.on("end", () => {
          reader.ended = true;
        });
        response.on("error", () => {
          reader.ended = true;
        });
        resolve(reader);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Milliseconds until the answer ended; a failed request counts as Infinity and is reported. */
function timed(url: URL, path: string, method = "GET", body?: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        headers: body
          ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
          : {},
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(performance.now() - started));
      },
    );
    req.on("error", (error) => {
      failures.push(`${method} ${path}: ${error.message}`);
      resolve(Number.POSITIVE_INFINITY);
    });
    req.end(body);
  });
}

function delivery(count: number): string {
  const alerts = Array.from({ length: count }, (_, index) => ({
    status: "firing",
    labels: { alertname: "NginxDown", severity: "critical", job: "nginx", instance: `web-${index}:9113` },
    annotations: { summary: `nginx on web-${index} is down` },
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus:9090/graph",
    fingerprint: index.toString(16).padStart(16, "0"),
  }));
  return JSON.stringify({
    version: "4",
    groupKey: '{}:{alertname="NginxDown"}',
    truncatedAlerts: 0,
    status: "firing",
    receiver: "runbridge",
    groupLabels: { alertname: "NginxDown" },
    commonLabels: { alertname: "NginxDown" },
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
    alerts,
  });
}

const dir = mkdtempSync(join(tmpdir(), "runbridge-fanout-"));
try {
  const server = await startServer("bridge", join(BENCH_DIR, "servers/bridge.ts"), {
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      RUNBRIDGE_DB: join(dir, "runbridge.db"),
      RUNBRIDGE_RUNBOOKS: join(REPO_DIR, "runbooks"),
      RUNBRIDGE_DRY_RUN: "true",
      RUNBRIDGE_STORM_MAX: "100000",
      RUNBRIDGE_BODY_LIMIT: String(16 * 1_048_576),
      LOG_LEVEL: "error",
    },
  });
  const url = new URL(server.url);
  const connected: Reader[] = [];
  for (let index = 0; index < readers; index += 1) connected.push(await connect(url));
  await new Promise((done) => setTimeout(done, 1_000));
  const before = rssMb(server.pid);
  let peak = before;
  let slowestHealth = 0;
  let probing = true;
  const probe = (async () => {
    while (probing) {
      slowestHealth = Math.max(slowestHealth, await timed(url, "/healthz"));
      peak = Math.max(peak, rssMb(server.pid));
      await new Promise((done) => setTimeout(done, 20));
    }
  })();
  const deliveryMs = await timed(url, "/webhook/alertmanager", "POST", delivery(alertCount));
  // Every reader has every event, or has been dropped, or 30 s passed.
  const expected = alertCount;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && connected.some((reader) => !reader.ended && reader.audit < expected)) {
    await new Promise((done) => setTimeout(done, 50));
  }
  probing = false;
  await probe;
  console.log(
    JSON.stringify({
      readers,
      alerts: alertCount,
      deliveryMs: Math.round(deliveryMs),
      slowestHealthzMs: Math.round(slowestHealth),
      rssMb: { before, peak, added: peak - before },
      readersWithEveryEvent: connected.filter((reader) => reader.audit >= expected).length,
      readersDropped: connected.filter((reader) => reader.ended).length,
      failures: failures.slice(0, 5),
    }),
  );
  for (const reader of connected) reader.response.destroy();
  await server.stop();
} finally {
  killAll();
  rmSync(dir, { recursive: true, force: true });
}
