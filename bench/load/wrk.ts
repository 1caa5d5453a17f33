/**
 * @module
 * Closed-loop throughput with wrk (C, epoll; its own process). A generated Lua script posts
 * the benchmark webhook with a distinct fingerprint/startsAt per request. With `limit`, each
 * wrk thread stops after that many answers and the runner interrupts wrk when all are done.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { luaBodyFunction } from "../payload.js";
import { runCommand } from "../process.js";

export interface WrkOptions {
  url: string;
  /** Wall-clock bound (and, without `limit`, the measured duration). */
  durationS: number;
  connections: number;
  threads: number;
  /** Stream number of the first thread; thread i uses stream + i - 1. Keep streams unique per server. */
  stream: number;
  /** Answers per thread after which the thread stops (0: run for durationS). */
  limitPerThread?: number;
}

export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  /** Answers other than 2xx/3xx. */
  non2xx: number;
  socketErrors: number;
  p50Ms: number;
  p99Ms: number;
}

function luaScript(): string {
  return `${luaBodyFunction()}
local next_tid = 0
function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end

local stream = 0
local limit = 0
local sent = 0
local answered = 0
local headers = { ["Content-Type"] = "application/json", ["User-Agent"] = "Alertmanager/0.28.1" }

function init(args)
  stream = (tonumber(args[1]) or 0) + tid - 1
  limit = tonumber(args[2]) or 0
  if limit == 0 then response = nil end
end

function request()
  sent = sent + 1
  return wrk.format("POST", "/webhook/alertmanager", headers, make_body(stream, sent))
end

function response(status, hdrs, body)
  answered = answered + 1
  if answered == limit then
    io.write("THREAD_DONE\\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

let scriptFile: string | undefined;

export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  if (!scriptFile) {
    scriptFile = join(mkdtempSync(join(tmpdir(), "runbridge-wrk-")), "alertmanager.lua");
    writeFileSync(scriptFile, luaScript());
  }
  const limit = options.limitPerThread ?? 0;
  let done = 0;
  const { stdout, stderr, code } = await runCommand(
    "wrk",
    [
      `-t${options.threads}`,
      `-c${options.connections}`,
      `-d${options.durationS}s`,
      "--timeout",
      "10s",
      "-s",
      scriptFile,
      `${options.url}/webhook/alertmanager`,
      "--",
      String(options.stream),
      String(limit),
    ],
    {
      timeoutMs: (options.durationS + 30) * 1_000,
      onLine: (line, child) => {
        // wrk's main thread sleeps for -d regardless; interrupt it once every thread is done.
        if (line === "THREAD_DONE" && ++done === options.threads) child.kill("SIGINT");
      },
    },
  );
  const json = /^BENCH_JSON (.*)$/m.exec(stdout)?.[1];
  if (code !== 0 || !json) throw new Error(`wrk failed (${code}):\n${stdout}\n${stderr}`);
  const raw = JSON.parse(json) as Record<string, number>;
  const durationS = (raw.duration_us ?? 0) / 1e6;
  const requests = raw.requests ?? 0;
  return {
    requests,
    durationS,
    rps: requests / durationS,
    non2xx: raw.status ?? 0,
    socketErrors: (raw.connect ?? 0) + (raw.read ?? 0) + (raw.write ?? 0) + (raw.timeout ?? 0),
    p50Ms: (raw.p50_us ?? 0) / 1000,
    p99Ms: (raw.p99_us ?? 0) / 1000,
  };
}
