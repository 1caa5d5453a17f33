import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Loopback, startLoopback } from "../testing/loopback.js";
import { testHttpCheck } from "../testing/runbook.js";
import { checkHttp } from "./http.js";

describe("http step", () => {
  let server: Loopback;
  beforeAll(async () => {
    server = await startLoopback((request, response) => {
      if (request.url.startsWith("/down")) response.writeHead(503).end("backend down");
      else if (request.url.startsWith("/created")) response.writeHead(201).end("created");
      else
        response.writeHead(200, { "content-type": "text/plain" }).end(`ok ${request.method} ${request.body}`);
    });
  });
  afterAll(() => server.close());

  const options = (target = "web-1", secrets: Record<string, string> = {}) => ({
    target,
    secrets: new Map(Object.entries(secrets)),
    signal: AbortSignal.timeout(5_000),
    who: 'step "check"',
  });

  it("accepts any 2xx by default and returns the status and body", async () => {
    const out = await checkHttp(testHttpCheck({ url: `${server.url}/healthz` }), options());
    expect(out).toBe(`GET ${server.url}/healthz → HTTP 200\nok GET `);
  });

  it("fails with the URL, the status and what was expected", async () => {
    await expect(
      checkHttp(testHttpCheck({ url: `${server.url}/down`, expectStatus: 200 }), options()),
    ).rejects.toThrow(`GET ${server.url}/down → HTTP 503, expected 200\nbackend down`);
  });

  it("accepts a list of statuses", async () => {
    await expect(
      checkHttp(testHttpCheck({ url: `${server.url}/created`, expectStatus: [200, 201] }), options()),
    ).resolves.toContain("HTTP 201");
  });

  it("checks that the body contains a text", async () => {
    await expect(
      checkHttp(testHttpCheck({ url: `${server.url}/x`, bodyContains: "healthy" }), options()),
    ).rejects.toThrow('but the body does not contain "healthy"');
  });

  it("sends method, body, literal headers and headers from named secrets", async () => {
    await checkHttp(
      testHttpCheck({
        url: `${server.url}/restart`,
        method: "POST",
        body: "now",
        headers: { "x-reason": "alert" },
        secretHeaders: { authorization: "API_TOKEN" },
      }),
      options("web-1", { API_TOKEN: "Bearer abc123" }),
    );
    const sent = server.requests.at(-1);
    expect(sent).toMatchObject({ method: "POST", body: "now" });
    expect(sent?.headers).toMatchObject({ "x-reason": "alert", authorization: "Bearer abc123" });
  });

  it("puts the target into the URL percent-encoded, so it cannot change path, query or host", async () => {
    await checkHttp(
      testHttpCheck({ url: `${server.url}/targets/{{target}}/health?x=1` }),
      options("../admin?drop=1#frag@evil.example"),
    );
    expect(server.requests.at(-1)?.url).toBe(
      "/targets/..%2Fadmin%3Fdrop%3D1%23frag%40evil.example/health?x=1",
    );
  });

  it("says when the target is needed but missing", async () => {
    await expect(checkHttp(testHttpCheck({ url: "http://{{target}}/healthz" }), options(""))).rejects.toThrow(
      "url uses {{target}} but this run has no target",
    );
  });

  it("refuses non-http URLs", async () => {
    await expect(checkHttp(testHttpCheck({ url: "file:///etc/passwd" }), options())).rejects.toThrow(
      "only http: and https: are allowed",
    );
  });

  it("names the URL when nothing answers", async () => {
    const closed = await startLoopback(() => {});
    await closed.close();
    await expect(checkHttp(testHttpCheck({ url: `${closed.url}/healthz` }), options())).rejects.toThrow(
      `GET ${closed.url}/healthz failed: connect ECONNREFUSED`,
    );
  });
});
