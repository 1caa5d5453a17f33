import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Loopback, startLoopback } from "../testing/loopback.js";
import { testPromqlCheck } from "../testing/runbook.js";
import { checkPromql } from "./promql.js";
import { escapePromqlString } from "./template.js";

// A Prometheus-compatible /api/v1/query endpoint: answers by query text, like a tiny TSDB.
const ANSWERS: Record<string, unknown> = {
  'up{instance="web-1"} == 0': { status: "success", data: { resultType: "vector", result: [] } },
  'up{instance="web-2"} == 0': {
    status: "success",
    data: { resultType: "vector", result: [{ metric: { instance: "web-2" }, value: [1700000000, "0"] }] },
  },
  error_ratio: {
    status: "success",
    data: {
      resultType: "vector",
      result: [
        { metric: { instance: "web-1" }, value: [1700000000, "0.01"] },
        { metric: { instance: "web-2" }, value: [1700000000, "0.2"] },
      ],
    },
  },
  "scalar(1)": { status: "success", data: { resultType: "scalar", result: [1700000000, "1"] } },
};

describe("promql step", () => {
  let prometheus: Loopback;
  beforeAll(async () => {
    prometheus = await startLoopback((request, response) => {
      const url = new URL(request.url, "http://localhost");
      if (url.pathname !== "/prom/api/v1/query") return void response.writeHead(404).end("not found");
      const query = url.searchParams.get("query") ?? "";
      const answer = ANSWERS[query] ?? {
        status: "error",
        errorType: "bad_data",
        error: `parse error in ${query}`,
      };
      response.writeHead((answer as { status: string }).status === "success" ? 200 : 400, {
        "content-type": "application/json",
      });
      response.end(JSON.stringify(answer));
    });
  });
  afterAll(() => prometheus.close());

  const options = (target = "web-1") => ({
    target,
    secrets: new Map(),
    signal: AbortSignal.timeout(5_000),
    who: "step",
  });
  const base = () => `${prometheus.url}/prom`;

  it("passes when the alert's condition cleared (expect empty)", async () => {
    const out = await checkPromql(
      testPromqlCheck({ url: base(), query: 'up{instance="{{target}}"} == 0', expect: "empty" }),
      options(),
    );
    expect(out).toBe('query up{instance="web-1"} == 0 → 0 series');
  });

  it("fails with the series that still match", async () => {
    await expect(
      checkPromql(
        testPromqlCheck({ url: base(), query: 'up{instance="{{target}}"} == 0', expect: "empty" }),
        options("web-2"),
      ),
    ).rejects.toThrow('query up{instance="web-2"} == 0: expected no series, got 1');
  });

  it("compares every sample with a bound", async () => {
    await expect(
      checkPromql(testPromqlCheck({ url: base(), query: "error_ratio", expect: "< 0.5" }), options()),
    ).resolves.toContain("2 series");
    await expect(
      checkPromql(testPromqlCheck({ url: base(), query: "error_ratio", expect: "< 0.05" }), options()),
    ).rejects.toThrow('expected every sample < 0.05; 1 do not: {instance="web-2"} 0.2');
  });

  it("expects at least one series by default, and reads scalars", async () => {
    await expect(
      checkPromql(testPromqlCheck({ url: base(), query: "scalar(1)" }), options()),
    ).resolves.toContain("1 series");
  });

  it("reports Prometheus's error for a bad query", async () => {
    await expect(checkPromql(testPromqlCheck({ url: base(), query: "up{" }), options())).rejects.toThrow(
      "Prometheus rejected query up{: bad_data: parse error in up{",
    );
  });

  it("escapes the target for a PromQL string, so it cannot close the string and extend the query", async () => {
    const hostile = 'web-1"} or vector(1) or up{x="\\\n';
    await expect(
      checkPromql(
        testPromqlCheck({ url: base(), query: 'up{instance="{{target}}"} == 0', expect: "empty" }),
        options(hostile),
      ),
    ).rejects.toThrow("Prometheus rejected query");
    const sent = new URL(prometheus.requests.at(-1)?.url ?? "", "http://localhost").searchParams.get("query");
    expect(sent).toBe('up{instance="web-1\\"} or vector(1) or up{x=\\"\\\\\\n"} == 0');
    expect(escapePromqlString('a"b\\c\td')).toBe('a\\"b\\\\c\\td');
  });
});
