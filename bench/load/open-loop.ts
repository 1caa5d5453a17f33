/**
 * @module
 * Open-loop load generator, run as its own process: sends the benchmark webhook at a fixed
 * rate over keep-alive connections and measures each request's latency from the moment it
 * was SCHEDULED to be sent (not when it was actually sent), so a stalled server cannot hide
 * its stall by slowing the generator down (no coordinated omission).
 *
 * Usage: node --import tsx bench/load/open-loop.ts '<json options>'   → one JSON line on stdout
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { bodyBuilder } from "../payload.js";

export interface OpenLoopOptions {
  url: string;
  rate: number;
  /** Untimed lead-in at the same rate (JIT, connections, caches). */
  warmupS: number;
  durationS: number;
  stream: number;
  /** Most connections the generator may open; requests beyond wait and their wait counts. */
  maxSockets: number;
  timeoutMs: number;
}

export interface OpenLoopResult {
  rate: number;
  sent: number;
  /** Answered with 200 during the untimed lead-in. */
  warmupOk: number;
  ok: number;
  failed: number;
  /** Requests per second actually completed during the timed phase. */
  achievedRate: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** How late the generator itself sent (actual − scheduled), p99: small means the generator kept up. */
  sendLagP99Ms: number;
  /** Latency from the actual send (what a closed-loop tool would report), for comparison. */
  serviceP50Ms: number;
  serviceP99Ms: number;
  firstError?: string;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

export function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL("/webhook/alertmanager", options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const makeBody = bodyBuilder(options.stream);
  const warmup = Math.round(options.rate * options.warmupS);
  const timed = Math.round(options.rate * options.durationS);
  const total = warmup + timed;
  const intervalMs = 1_000 / options.rate;
  const latency = new Float64Array(timed).fill(Number.NaN);
  const lag = new Float64Array(timed);
  let ok = 0;
  let warmupOk = 0;
  let failed = 0;
  let completed = 0;
  let firstError: string | undefined;
  let lastTimedEnd = 0;

  return new Promise((resolve) => {
    const start = performance.now() + 20;
    const timedStart = start + warmup * intervalMs;
    const finish = () => {
      agent.destroy();
      const measured = latency.filter((value) => !Number.isNaN(value)).sort();
      const lagSorted = lag.slice().sort();
      const service = latency
        .map((value, i) => value - (lag[i] as number))
        .filter((value) => !Number.isNaN(value))
        .sort();
      resolve({
        rate: options.rate,
        sent: timed,
        warmupOk,
        ok,
        failed,
        achievedRate: lastTimedEnd > timedStart ? ok / ((lastTimedEnd - timedStart) / 1_000) : 0,
        p50Ms: percentile(measured, 50),
        p90Ms: percentile(measured, 90),
        p99Ms: percentile(measured, 99),
        p999Ms: percentile(measured, 99.9),
        maxMs: measured.length ? (measured[measured.length - 1] as number) : Number.NaN,
        sendLagP99Ms: percentile(lagSorted, 99),
        serviceP50Ms: percentile(service, 50),
        serviceP99Ms: percentile(service, 99),
        firstError,
      });
    };
    // A hard bound: everything must be answered within the run plus the request timeout.
    const deadline = setTimeout(
      finish,
      (options.warmupS + options.durationS) * 1_000 + options.timeoutMs + 2_000,
    );

    const send = (index: number) => {
      const scheduled = start + index * intervalMs;
      const isTimed = index >= warmup;
      const slot = index - warmup;
      if (isTimed) lag[slot] = performance.now() - scheduled;
      const body = makeBody(index);
      const request = http.request(
        target,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "user-agent": "Alertmanager/0.28.1",
          },
          timeout: options.timeoutMs,
        },
        (response) => {
          response.on("data", () => {});
          response.on("end", () => {
            const end = performance.now();
            if (response.statusCode === 200) {
              if (isTimed) {
                latency[slot] = end - scheduled;
                ok++;
                lastTimedEnd = Math.max(lastTimedEnd, end);
              } else {
                warmupOk++;
              }
            } else {
              if (isTimed) failed++;
              firstError ??= `HTTP ${response.statusCode}`;
            }
            if (++completed === total) {
              clearTimeout(deadline);
              finish();
            }
          });
        },
      );
      request.on("timeout", () => request.destroy(new Error("timeout")));
      request.on("error", (error) => {
        if (isTimed) failed++;
        firstError ??= String(error);
        if (++completed === total) {
          clearTimeout(deadline);
          finish();
        }
      });
      request.end(body);
    };

    let next = 0;
    const pump = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (next < due) send(next++);
      if (next < total) setTimeout(pump, Math.max(0, start + next * intervalMs - performance.now()));
    };
    setTimeout(pump, 20);
  });
}

if (process.argv[1]?.endsWith("open-loop.ts") && process.argv[2]) {
  const result = await runOpenLoop(JSON.parse(process.argv[2]) as OpenLoopOptions);
  process.stdout.write(`BENCH_JSON ${JSON.stringify(result)}\n`);
}
