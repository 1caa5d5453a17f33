import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { fixture } from "../../test/fixtures/alertmanager/index.js";
import { type TestApp, testApp } from "../../test/fixtures/http/test-app.js";
import { type ListeningServer, listen } from "./listen.js";

let t: TestApp;
let server: ListeningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  t.close();
});

type Json = { error?: string };

/** A real HTTP request (node:http lets a test set Host and Origin as a browser would). */
function send(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: Json }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path,
        method: options.method ?? "GET",
        headers: options.headers,
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on("end", () => {
          let body: Json = {};
          try {
            body = JSON.parse(text) as Json;
          } catch {
            // the console's HTML
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const alerts = JSON.stringify(fixture("firing"));

describe("a page in a browser, with the default loopback address and no token", () => {
  it("cannot record an execution with a no-cors text/plain post (415) nor a JSON post from its origin (403)", async () => {
    t = testApp();
    server = await listen(t.app, { port: 0, host: "127.0.0.1" });
    const host = new URL(server.url).host;
    // What fetch(…, {mode: "no-cors", headers: {"content-type": "text/plain"}}) sends.
    const simple = await send(server.url, "/webhook/alertmanager", {
      method: "POST",
      headers: { host, origin: "https://evil.example", "content-type": "text/plain" },
      body: alerts,
    });
    expect(simple.status).toBe(403);
    const noOrigin = await send(server.url, "/webhook/alertmanager", {
      method: "POST",
      headers: { host, "content-type": "text/plain;charset=UTF-8" },
      body: alerts,
    });
    expect(noOrigin.status).toBe(415);
    expect(noOrigin.body.error).toMatch(/Content-Type "text\/plain;charset=UTF-8" is not accepted/);
    const cors = await send(server.url, "/webhook/alertmanager", {
      method: "POST",
      headers: { host, origin: "https://evil.example", "content-type": "application/json" },
      body: alerts,
    });
    expect(cors.status).toBe(403);
    expect(cors.body.error).toMatch(/web page at "https:\/\/evil.example" are refused/);
    expect(t.db.count("executions")).toBe(0);

    // Alertmanager itself: no Origin, application/json.
    const alertmanager = await send(server.url, "/webhook/alertmanager", {
      method: "POST",
      headers: { host, "content-type": "application/json" },
      body: alerts,
    });
    expect(alertmanager.status).toBe(200);
    expect(t.db.count("executions")).toBe(1);
  });

  it("cannot read the console or the API through a name re-pointed at 127.0.0.1 (DNS rebinding)", async () => {
    t = testApp();
    server = await listen(t.app, { port: 0, host: "127.0.0.1" });
    const port = new URL(server.url).port;
    for (const path of ["/", "/console/console.js", "/api/executions", "/api/status"]) {
      const rebound = await send(server.url, path, { headers: { host: `evil.example:${port}` } });
      expect(rebound.status, path).toBe(403);
      expect(rebound.body.error, path).toMatch(/Host "evil.example:\d+" is not this bridge's/);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, "127.0.0.1"]) {
      expect((await send(server.url, "/api/status", { headers: { host } })).status, host).toBe(200);
    }
  });
});

describe("sameOrigin", () => {
  const statusOf = async (path: string, headers: Record<string, string>, method = "GET") =>
    (await t.app.request(path, { method, headers })).status;

  it("lets the console's own writes through, and refuses another origin on the same machine", async () => {
    t = testApp({ RUNBRIDGE_API_TOKEN: "op" });
    const write = {
      host: "127.0.0.1:9009",
      authorization: "Bearer op",
      "content-type": "application/json",
    };
    const killSwitch = (origin: string) =>
      t.app.request("/api/kill-switch", {
        method: "POST",
        headers: { ...write, origin },
        body: JSON.stringify({ enabled: true }),
      });
    expect((await killSwitch("http://127.0.0.1:9009")).status).toBe(200);
    for (const origin of ["http://127.0.0.1:3000", "http://localhost:9009", "null", "https://evil.example"]) {
      const response = await killSwitch(origin);
      expect(response.status, origin).toBe(403);
    }
  });

  it("refuses a cross-origin read, and serves reads without an Origin (same-origin GETs send none)", async () => {
    t = testApp();
    expect(
      await statusOf("/api/executions", { host: "localhost:9009", origin: "https://evil.example" }),
    ).toBe(403);
    expect(await statusOf("/api/executions", { host: "localhost:9009" })).toBe(200);
    expect(
      await statusOf("/api/executions", { host: "localhost:9009", origin: "http://localhost:9009" }),
    ).toBe(200);
  });

  it("answers to RUNBRIDGE_PUBLIC_URL's host and origin behind a proxy", async () => {
    t = testApp({ RUNBRIDGE_PUBLIC_URL: "https://runbridge.example.com" });
    const proxied = { host: "runbridge.example.com", origin: "https://runbridge.example.com" };
    expect(await statusOf("/api/status", proxied)).toBe(200);
    expect(await statusOf("/api/status", { ...proxied, host: "127.0.0.1:9009" })).toBe(200);
    expect(await statusOf("/api/status", { host: "other.example.com" })).toBe(403);
  });

  it("checks only the Origin off loopback, where the bridge answers to whatever name it is given", async () => {
    t = testApp({ HOST: "0.0.0.0", RUNBRIDGE_ALLOW_UNAUTHENTICATED: "true" });
    expect(await statusOf("/api/status", { host: "bridge.internal:9009" })).toBe(200);
    expect(
      await statusOf("/api/status", { host: "bridge.internal:9009", origin: "http://bridge.internal:9009" }),
    ).toBe(200);
    expect(
      await statusOf("/api/status", { host: "bridge.internal:9009", origin: "https://evil.example" }),
    ).toBe(403);
  });

  it("serves webhooks through a tunnel that keeps the public Host, when no browser Origin comes along", async () => {
    t = testApp();
    const headers = { host: "hooks.example.com", "content-type": "application/json" };
    const tunnelled = await t.app.request("/webhook/alertmanager", { method: "POST", headers, body: alerts });
    expect(tunnelled.status).toBe(200);
    const rebound = await t.app.request("/webhook/alertmanager", {
      method: "POST",
      headers: { ...headers, origin: "http://hooks.example.com" },
      body: alerts,
    });
    expect(rebound.status).toBe(403);
  });

  it("refuses a Host that is not a host name", async () => {
    t = testApp();
    expect(await statusOf("/api/status", { host: "a b" })).toBe(400);
  });
});

describe("JSON only on writes", () => {
  it("refuses a kill switch body declared as text/plain with 415, and resets a breaker without a body", async () => {
    t = testApp({ RUNBRIDGE_API_TOKEN: "op" });
    const plain = await t.app.request("/api/kill-switch", {
      method: "POST",
      headers: { authorization: "Bearer op", "content-type": "text/plain" },
      body: JSON.stringify({ enabled: false }),
    });
    expect(plain.status).toBe(415);
    const reset = await t.app.request("/api/breakers/global/reset", {
      method: "POST",
      headers: { authorization: "Bearer op" },
    });
    // No body and no type gets through to the route: no breaker is open.
    expect(reset.status).toBe(404);
    const silence = await t.app.request("/api/silences", {
      method: "POST",
      headers: { authorization: "Bearer op", "content-type": "application/x-www-form-urlencoded" },
      body: "matchers=x",
    });
    expect(silence.status).toBe(415);
  });
});
