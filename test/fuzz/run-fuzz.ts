/**
 * @module
 * Sends generated and mutated payloads to a running bridge and reports every answer that is
 * not 2xx/4xx. Alertmanager deliveries carry the bridge's token; GitHub deliveries are signed
 * with its webhook secret (a mutated body signed as GitHub would sign it), so the mutations
 * reach the handlers rather than stopping at authentication. A few requests at a time, so
 * deliveries also meet in one group commit.
 */
import { createHmac, randomUUID } from "node:crypto";
import { alertmanagerSeeds, GITHUB_EVENTS, githubSeeds } from "./corpus.js";
import { type Json, mutateStructure, mutateText } from "./mutate.js";
import { type Random, seeded } from "./random.js";

export interface FuzzTarget {
  url: string;
  alertmanagerToken: string;
  githubSecret: string;
  repository: string;
}

export interface FuzzCase {
  n: number;
  route: "alertmanager" | "github";
  event?: string;
  contentType: string;
  body: Buffer;
}

export interface FuzzFailure {
  n: number;
  route: string;
  event?: string;
  status: number | string;
  answer: string;
  body: string;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  byStatus: Record<string, number>;
  failures: FuzzFailure[];
  durationMs: number;
}

/** Fresh fingerprints and start times, so mutated deliveries are new occurrences, not duplicates. */
function freshen(seed: Json, random: Random, n: number): Json {
  const copy = structuredClone(seed) as Record<string, Json>;
  const alerts = copy.alerts;
  if (Array.isArray(alerts)) {
    for (const alert of alerts) {
      if (alert && typeof alert === "object" && !Array.isArray(alert)) {
        alert.fingerprint = `${n.toString(16).padStart(8, "0")}${random.int(1 << 30).toString(16)}`;
        if (random.chance(0.7)) alert.startsAt = new Date(Date.UTC(2026, 11, 1) + n * 1_000).toISOString();
        if (random.chance(0.15)) alert.status = "resolved";
      }
    }
  }
  return copy;
}

export function generateCase(n: number, random: Random, corpus: Corpus): FuzzCase {
  const github = random.chance(0.4);
  let json: Json;
  let event: string | undefined;
  if (github) {
    const seed = random.pick(corpus.github);
    event = random.chance(0.95) ? seed.event : random.pick([...GITHUB_EVENTS, "unknown_event", ""]);
    json = seed.payload;
  } else {
    json = freshen(random.pick(corpus.alertmanager), random, n);
  }
  // Most cases get one or more structural mutations; some stay valid (they drive real state
  // changes the mutated ones then meet); some are mutated as text after serializing.
  const mutations = random.chance(0.15) ? 0 : 1 + random.int(3);
  for (let i = 0; i < mutations; i++) json = mutateStructure(json, random);
  let text: string;
  try {
    text = JSON.stringify(json) ?? "null";
  } catch {
    text = "{}";
  }
  const body = random.chance(0.25) ? mutateText(text, random) : Buffer.from(text, "utf8");
  const contentType = random.chance(0.95)
    ? "application/json"
    : random.pick([
        "text/plain",
        "application/json; charset=latin1",
        "application/x-www-form-urlencoded",
        "",
      ]);
  return { n, route: github ? "github" : "alertmanager", event, contentType, body };
}

export interface Corpus {
  alertmanager: Json[];
  github: { event: string; payload: Json }[];
}

export function loadCorpus(repository: string): Corpus {
  return { alertmanager: alertmanagerSeeds(), github: githubSeeds(repository) };
}

async function send(
  target: FuzzTarget,
  fuzzCase: FuzzCase,
): Promise<{ status: number | string; answer: string }> {
  const headers: Record<string, string> = {};
  if (fuzzCase.contentType) headers["content-type"] = fuzzCase.contentType;
  let path: string;
  if (fuzzCase.route === "alertmanager") {
    path = "/webhook/alertmanager";
    headers.authorization = `Bearer ${target.alertmanagerToken}`;
  } else {
    path = "/webhook/github";
    headers["x-github-event"] = fuzzCase.event ?? "";
    headers["x-github-delivery"] = randomUUID();
    headers["x-hub-signature-256"] =
      `sha256=${createHmac("sha256", target.githubSecret).update(fuzzCase.body).digest("hex")}`;
  }
  try {
    const response = await fetch(`${target.url}${path}`, {
      method: "POST",
      headers,
      body: fuzzCase.body,
      signal: AbortSignal.timeout(30_000),
    });
    const answer = await response.text();
    return { status: response.status, answer };
  } catch (error) {
    return { status: `no answer: ${error instanceof Error ? error.message : String(error)}`, answer: "" };
  }
}

/** Runs `cases` cases from `seed`, `concurrency` at a time. */
export async function fuzz(
  target: FuzzTarget,
  options: { seed: number; cases: number; concurrency?: number; onProgress?: (done: number) => void },
): Promise<FuzzReport> {
  const started = Date.now();
  const random = seeded(options.seed);
  const corpus = loadCorpus(target.repository);
  const byStatus: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < options.cases) {
      const fuzzCase = generateCase(next++, random, corpus);
      const { status, answer } = await send(target, fuzzCase);
      const bucket = typeof status === "number" ? String(status) : "error";
      byStatus[bucket] = (byStatus[bucket] ?? 0) + 1;
      if (typeof status !== "number" || status >= 500) {
        failures.push({
          n: fuzzCase.n,
          route: fuzzCase.route,
          event: fuzzCase.event,
          status,
          answer: answer.slice(0, 500),
          body: fuzzCase.body.subarray(0, 500).toString("utf8"),
        });
      }
      done++;
      if (done % 1_000 === 0) options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return { seed: options.seed, cases: options.cases, byStatus, failures, durationMs: Date.now() - started };
}
