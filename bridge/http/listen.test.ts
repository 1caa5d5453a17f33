import { createServer, type Server } from "node:net";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { ListenError, listen } from "./listen.js";

const app = new Hono().get("/", (c) => c.text("ok"));

describe("listen", () => {
  let taken: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (taken ? taken.close(() => resolve()) : resolve()));
    taken = undefined;
  });

  it("serves the app and reports the port it bound", async () => {
    const server = await listen(app, { port: 0, host: "127.0.0.1" });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(server.url)).text()).toBe("ok");
    } finally {
      await server.close();
    }
  });

  it("rejects, naming the address and what to do, when another process holds the port", async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken?.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    const failure = await listen(app, { port, host: "127.0.0.1" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ListenError);
    expect(failure).toMatchObject({
      code: "EADDRINUSE",
      message: `127.0.0.1:${port} is already in use (EADDRINUSE): stop the process listening there, or set PORT to a free port`,
    });
  });

  it("rejects a host that is not an address of this machine", async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    const failure = await listen(app, { port: 0, host: "192.0.2.1" }).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: "EADDRNOTAVAIL",
      message: expect.stringMatching(/^192\.0\.2\.1:0 .*HOST/),
    });
  });
});
