import { createHmac, timingSafeEqual } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { type TestApp, testApp } from "../../test/fixtures/http/test-app.js";
import type { GitHubWebhookReceiver } from "../github/webhook-receiver.js";
import { githubRoutes } from "./github.js";

const SECRET = "webhook-secret";
const sign = (payload: string | Buffer) =>
  `sha256=${createHmac("sha256", SECRET).update(payload).digest("hex")}`;

/** Verifies like @octokit/webhooks and records what it was handed. */
function recordingReceiver(): GitHubWebhookReceiver & { received: string[]; verified: number } {
  const receiver = {
    received: [] as string[],
    verified: 0,
    async verify(payload: string, signature: string) {
      receiver.verified += 1;
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    handles: (name: string) => name === "workflow_run",
    async receive(_id: string, name: string) {
      receiver.received.push(name);
    },
  };
  return receiver;
}

/** A body that sends `first` and then nothing until `finish` is called. */
function stalledBody(first: string): { stream: ReadableStream<Uint8Array>; finish(rest: string): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(new TextEncoder().encode(first));
    },
  });
  return {
    stream,
    finish(rest) {
      controller.enqueue(new TextEncoder().encode(rest));
      controller.close();
    },
  };
}

const payload = JSON.stringify({
  action: "completed",
  workflow_run: { id: 1, status: "completed", conclusion: "success" },
  repository: { full_name: "acme/ops" },
});
const headers = (body: string | Buffer, extra: Record<string, string> = {}) => ({
  "content-type": "application/json",
  "x-github-event": "workflow_run",
  "x-github-delivery": "d-1",
  "x-hub-signature-256": sign(body),
  ...extra,
});

let t: TestApp;
afterEach(() => t.close());

describe("POST /webhook/github", () => {
  describe("bodies before their signature is checked", () => {
    it("refuses a declared length over RUNBRIDGE_GITHUB_BODY_LIMIT with 413, before reading or verifying", async () => {
      t = testApp({ RUNBRIDGE_GITHUB_BODY_LIMIT: "2048" });
      const receiver = recordingReceiver();
      const body = JSON.stringify({ padding: "x".repeat(3_000) });
      const response = await githubRoutes(t.deps, receiver).request("/webhook/github", {
        method: "POST",
        headers: headers(body, { "content-length": String(body.length) }),
        body,
      });
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: string }).error).toMatch(
        /larger than 2048 bytes \(RUNBRIDGE_GITHUB_BODY_LIMIT\)/,
      );
      expect(receiver.verified).toBe(0);
    });

    it("defaults to a limit far below GitHub's 25 MB", () => {
      t = testApp();
      expect(t.deps.config.githubBodyLimitBytes).toBe(5 * 1_048_576);
    });

    it("counts a chunked body as it arrives and refuses it with 413 past the limit", async () => {
      t = testApp({ RUNBRIDGE_GITHUB_BODY_LIMIT: "2048" });
      const receiver = recordingReceiver();
      const body = JSON.stringify({ padding: "x".repeat(5_000) });
      const chunked = stalledBody(body.slice(0, 3_000));
      chunked.finish(body.slice(3_000));
      const response = await githubRoutes(t.deps, receiver).request("/webhook/github", {
        method: "POST",
        headers: headers(body, { "transfer-encoding": "chunked" }),
        body: chunked.stream,
        duplex: "half",
      } as RequestInit);
      expect(response.status).toBe(413);
      expect(receiver.verified).toBe(0);
    });

    it("reads at most the bound of bodies at once: the next waits, then gets 503 with Retry-After", async () => {
      t = testApp();
      const receiver = recordingReceiver();
      const routes = githubRoutes(t.deps, receiver, { bodySlots: 1, slotWaitMs: 100 });
      const slow = stalledBody(payload.slice(0, 10));
      const first = routes.request("/webhook/github", {
        method: "POST",
        headers: headers(payload, { "transfer-encoding": "chunked" }),
        body: slow.stream,
        duplex: "half",
      } as RequestInit);
      const second = await routes.request("/webhook/github", {
        method: "POST",
        headers: headers(payload),
        body: payload,
      });
      expect(second.status).toBe(503);
      expect(second.headers.get("retry-after")).toBe("10");
      expect(((await second.json()) as { error: string }).error).toMatch(/busy: 1 unverified webhook bodies/);

      slow.finish(payload.slice(10));
      expect((await first).status).toBe(200);
      // The slot is free again once the first body was verified.
      const third = await routes.request("/webhook/github", {
        method: "POST",
        headers: headers(payload),
        body: payload,
      });
      expect(third.status).toBe(200);
      expect(receiver.received).toEqual(["workflow_run", "workflow_run"]);
    });

    it("lets a waiting delivery in as soon as a slot frees", async () => {
      t = testApp();
      const receiver = recordingReceiver();
      const routes = githubRoutes(t.deps, receiver, { bodySlots: 1, slotWaitMs: 2_000 });
      const slow = stalledBody(payload.slice(0, 10));
      const first = routes.request("/webhook/github", {
        method: "POST",
        headers: headers(payload, { "transfer-encoding": "chunked" }),
        body: slow.stream,
        duplex: "half",
      } as RequestInit);
      const second = routes.request("/webhook/github", {
        method: "POST",
        headers: headers(payload),
        body: payload,
      });
      setTimeout(() => slow.finish(payload.slice(10)), 50);
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
    });

    it("drops a body that has not arrived by the deadline with 408 and frees its slot", async () => {
      t = testApp();
      const receiver = recordingReceiver();
      const routes = githubRoutes(t.deps, receiver, { bodySlots: 1, bodyDeadlineMs: 50 });
      const response = await routes.request("/webhook/github", {
        method: "POST",
        headers: headers(payload, { "transfer-encoding": "chunked" }),
        body: stalledBody(payload.slice(0, 10)).stream,
        duplex: "half",
      } as RequestInit);
      expect(response.status).toBe(408);
      const next = await routes.request("/webhook/github", {
        method: "POST",
        headers: headers(payload),
        body: payload,
      });
      expect(next.status).toBe(200);
    });
  });

  describe("content type", () => {
    it.each([["text/plain;charset=UTF-8"], ["application/x-www-form-urlencoded"]])(
      "refuses a correctly signed body declared as %s with 415, before reading it",
      async (type) => {
        t = testApp();
        const receiver = recordingReceiver();
        const response = await githubRoutes(t.deps, receiver).request("/webhook/github", {
          method: "POST",
          headers: headers(payload, { "content-type": type }),
          body: payload,
        });
        expect(response.status).toBe(415);
        expect(((await response.json()) as { error: string }).error).toMatch(
          /send application\/json; set the webhook's content type/,
        );
        expect(receiver.verified).toBe(0);
      },
    );

    it("accepts application/json with a charset", async () => {
      t = testApp();
      const receiver = recordingReceiver();
      const response = await githubRoutes(t.deps, receiver).request("/webhook/github", {
        method: "POST",
        headers: headers(payload, { "content-type": "Application/JSON; charset=utf-8" }),
        body: payload,
      });
      expect(response.status).toBe(200);
      expect(receiver.received).toEqual(["workflow_run"]);
    });
  });

  describe("signed bodies a handler cannot read", () => {
    it.each([
      ["an empty body", "", /^empty body/],
      [
        "a body that is not UTF-8",
        Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]),
        /not valid UTF-8/,
      ],
      ["a JSON array", "[]", /the payload is an array, not a JSON object/],
      [
        "a workflow_run without its run",
        JSON.stringify({ action: "completed", repository: { full_name: "acme/ops" } }),
        /workflow_run event not handled: workflow_run is missing \(expected an object\)/,
      ],
      [
        "a run id that is a string",
        JSON.stringify({
          workflow_run: { id: "1", status: "completed" },
          repository: { full_name: "acme/ops" },
        }),
        /workflow_run\.id is string "1", expected a non-negative integer/,
      ],
    ])(
      "answers %s with 400 naming what is wrong, and hands nothing to the handlers",
      async (_what, body, error) => {
        t = testApp();
        const receiver = recordingReceiver();
        const response = await githubRoutes(t.deps, receiver).request("/webhook/github", {
          method: "POST",
          headers: headers(body),
          body,
        });
        expect(response.status).toBe(400);
        expect(((await response.json()) as { error: string }).error).toMatch(error);
        expect(receiver.received).toEqual([]);
      },
    );
  });
});
