/**
 * @module
 * Memory under unauthenticated GitHub webhook bodies (issue 15, item 5): starts the real
 * bridge in its own process, sends `--connections` concurrent POST /webhook/github bodies of
 * `--mb` MB each with a forged signature, and prints the server's RSS before, at its peak
 * and after the flood. Nothing is written to the bridge's database: every body must be
 * refused.
 *
 * @example
 *   npx tsx bench/github-body-memory.ts --connections 100 --mb 25
 *   npx tsx bench/github-body-memory.ts --mb 25 --limit-mb 25   # bodies within the limit
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_DIR, killAll, REPO_DIR, startServer } from "./process.js";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "100" },
    mb: { type: "string", default: "25" },
    /** RUNBRIDGE_GITHUB_BODY_LIMIT in MB (unset: the bridge's default). */
    "limit-mb": { type: "string" },
  },
});
const connections = Number(values.connections);
const bytes = Number(values.mb) * 1_048_576;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return Math.round(kb / 1024);
}

/** One POST with a declared length and a forged signature; resolves with the status (or the error). */
function flood(url: URL, body: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: "/webhook/github",
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": String(body.length),
          "x-github-event": "workflow_run",
          "x-github-delivery": "forged",
          "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.statusCode)));
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    // A refused body is cut off mid-write (EPIPE) after the answer arrived: expected here.
    req.on("socket", (socket) => socket.on("error", () => {}));
    req.end(body);
  });
}

const dir = mkdtempSync(join(tmpdir(), "runbridge-body-memory-"));
try {
  const server = await startServer("bridge", join(BENCH_DIR, "servers/bridge.ts"), {
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      RUNBRIDGE_DB: join(dir, "runbridge.db"),
      RUNBRIDGE_RUNBOOKS: join(REPO_DIR, "runbooks"),
      GITHUB_WEBHOOK_SECRET: "the-real-secret",
      LOG_LEVEL: "error",
      ...(values["limit-mb"]
        ? { RUNBRIDGE_GITHUB_BODY_LIMIT: String(Number(values["limit-mb"]) * 1_048_576) }
        : {}),
    },
  });
  const url = new URL(server.url);
  await new Promise((done) => setTimeout(done, 1_000));
  const before = rssMb(server.pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(server.pid));
  }, 50);
  const body = Buffer.alloc(bytes, "x");
  const started = Date.now();
  const statuses = await Promise.all(Array.from({ length: connections }, () => flood(url, body)));
  const seconds = (Date.now() - started) / 1_000;
  await new Promise((done) => setTimeout(done, 3_000));
  clearInterval(sampler);
  const after = rssMb(server.pid);
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  console.log(
    JSON.stringify({
      connections,
      mbEach: Number(values.mb),
      seconds,
      rssMb: { before, peak, after },
      answers: counts,
    }),
  );
  await server.stop();
} finally {
  killAll();
  rmSync(dir, { recursive: true, force: true });
}
