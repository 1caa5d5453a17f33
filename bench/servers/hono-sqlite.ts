/**
 * @module
 * Baseline (b): a Hono endpoint that parses the JSON body and inserts one row per request
 * into SQLite (better-sqlite3, WAL, synchronous=NORMAL, SQLite's default automatic
 * checkpoint), then answers 200. The database file is argv[2].
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import Database from "better-sqlite3";
import { Hono } from "hono";
import { announceReady, stopOnSignal } from "./ready.js";

const file = process.argv[2];
if (!file) throw new Error("usage: hono-sqlite.ts <database file>");
const sqlite = new Database(file);
sqlite.pragma("journal_mode = WAL");
sqlite.pragma("synchronous = NORMAL");
sqlite.exec(`CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  starts_at TEXT NOT NULL,
  alertname TEXT NOT NULL,
  labels TEXT NOT NULL,
  received_at INTEGER NOT NULL
)`);
const insert = sqlite.prepare(
  "INSERT INTO alerts (fingerprint, starts_at, alertname, labels, received_at) VALUES (?, ?, ?, ?, ?)",
);

interface Body {
  alerts: { fingerprint: string; startsAt: string; labels: Record<string, string> }[];
}

const app = new Hono();
app.post("/webhook/alertmanager", async (c) => {
  const body = JSON.parse(await c.req.text()) as Body;
  const alert = body.alerts[0];
  if (!alert) return c.json({ error: "no alert" }, 400);
  insert.run(
    alert.fingerprint,
    alert.startsAt,
    alert.labels.alertname ?? "",
    JSON.stringify(alert.labels),
    Date.now(),
  );
  return c.json({ ok: true });
});

const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
  announceReady(`http://127.0.0.1:${info.port}`),
);
stopOnSignal(
  () =>
    new Promise<void>((resolve) =>
      server.close(() => {
        sqlite.close();
        resolve();
      }),
    ),
);
