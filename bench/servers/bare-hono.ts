/**
 * @module
 * Baseline (a): a Hono endpoint that reads the body and answers 200, nothing else.
 * Run as its own process by bench/run.ts; listens on an ephemeral loopback port.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { announceReady, stopOnSignal } from "./ready.js";

const app = new Hono();
app.post("/webhook/alertmanager", async (c) => {
  await c.req.text();
  return c.json({ ok: true });
});

const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
  announceReady(`http://127.0.0.1:${info.port}`),
);
stopOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
