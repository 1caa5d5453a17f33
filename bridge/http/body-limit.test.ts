import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { limitBody } from "./body-limit.js";

function app(maxSize: number): Hono {
  const routes = new Hono();
  routes.post(
    "/",
    limitBody(maxSize, (c) => c.json({ error: "too large" }, 413)),
    async (c) => c.text(`read ${(await c.req.text()).length}`),
  );
  return routes;
}

function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 100)
        controller.enqueue(bytes.slice(offset, offset + 100));
      controller.close();
    },
  });
}

describe("limitBody", () => {
  it("lets a body within the limit through", async () => {
    const response = await app(1_000).request("/", {
      method: "POST",
      body: "x".repeat(1_000),
      headers: { "content-length": "1000" },
    });
    expect(await response.text()).toBe("read 1000");
  });

  it("answers 413 from the declared Content-Length without reading the body", async () => {
    const response = await app(1_000).request("/", {
      method: "POST",
      body: "x".repeat(1_001),
      headers: { "content-length": "1001" },
    });
    expect(response.status).toBe(413);
  });

  it("counts the bytes of a chunked body that declares no length", async () => {
    const over = await app(1_000).request("/", {
      method: "POST",
      body: chunked("x".repeat(5_000)),
      duplex: "half",
    } as RequestInit);
    expect(over.status).toBe(413);
    const within = await app(1_000).request("/", {
      method: "POST",
      body: chunked("x".repeat(900)),
      duplex: "half",
    } as RequestInit);
    expect(await within.text()).toBe("read 900");
  });
});
