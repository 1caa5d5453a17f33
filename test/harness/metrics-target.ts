// A tiny scrape target on loopback. Two ways to make an alert fire: flip the exported gauge
// (`setUp(false)` → runbridge_harness_up 0), or stop the server so Prometheus records `up == 0`.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { LOOPBACK } from "./ports.js";

export interface MetricsTarget {
  /** "127.0.0.1:port": what goes into a Prometheus static_config. */
  address: string;
  url: string;
  /** Value of the gauge `runbridge_harness_up` (1 or 0). */
  setUp(up: boolean): void;
  /** Stop listening (keeps the port number) so scrapes fail: up == 0. */
  stop(): Promise<void>;
  /** Listen again on the same port: up == 1 from the next scrape. */
  start(): Promise<void>;
  /** Number of /metrics requests served, to see that Prometheus is scraping. */
  readonly scrapes: number;
  close(): Promise<void>;
}

export async function startMetricsTarget(): Promise<MetricsTarget> {
  let up = true;
  let scrapes = 0;
  const server = createServer((req, res) => {
    if (req.url?.split("?")[0] !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    scrapes++;
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(
      "# HELP runbridge_harness_up Test gauge the harness flips.\n" +
        "# TYPE runbridge_harness_up gauge\n" +
        `runbridge_harness_up ${up ? 1 : 0}\n`,
    );
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, LOOPBACK, resolve));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      // Prometheus keeps its scrape connection alive; without this close() would wait for it.
      server.closeAllConnections();
      server.close(() => resolve());
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    address: `${LOOPBACK}:${port}`,
    url: `http://${LOOPBACK}:${port}/metrics`,
    setUp: (value) => {
      up = value;
    },
    stop,
    start: () => (server.listening ? Promise.resolve() : listen(port)),
    get scrapes() {
      return scrapes;
    },
    close: stop,
  };
}
