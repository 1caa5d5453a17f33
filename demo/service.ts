/**
 * @module
 * The demo's flaky service: an HTTP server on loopback whose /metrics Prometheus scrapes and
 * whose /healthz the runbook checks. The demo supervisor (supervisor.ts) crashes and restarts
 * it. Started with `--stuck` it exits at once, as a service with a broken configuration does:
 * the failure a restart cannot fix, which makes the remediation fail and opens the breaker.
 *
 * @example
 *   node --import tsx demo/service.ts --port 41234
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { port: { type: "string" }, stuck: { type: "boolean", default: false } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) {
  console.error(`demo-service: --port must be a port number, got "${values.port ?? ""}"`);
  process.exit(2);
}
if (values.stuck) {
  console.error("demo-service: configuration broken (the demo's second failure); a restart does not help");
  process.exit(1);
}

const startedAt = Date.now();
let requests = 0;
const server = createServer((request, response) => {
  requests += 1;
  if (request.url === "/metrics") {
    response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    response.end(
      [
        "# HELP demo_service_requests_total Requests the demo service answered.",
        "# TYPE demo_service_requests_total counter",
        `demo_service_requests_total ${requests}`,
        "# HELP demo_service_start_time_seconds When the demo service (re)started.",
        "# TYPE demo_service_start_time_seconds gauge",
        `demo_service_start_time_seconds ${startedAt / 1000}`,
        "",
      ].join("\n"),
    );
    return;
  }
  if (request.url === "/healthz") {
    response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    return;
  }
  response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
});
server.listen(port, "127.0.0.1", () => {
  console.log(`demo-service: listening on http://127.0.0.1:${port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
