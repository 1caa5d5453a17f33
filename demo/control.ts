/**
 * @module
 * The running demo's control address on loopback: what `npm run demo -- approve|break|fix` and
 * the runbook's steps (through RUNBRIDGE_DEMO_CONTROL) ask of it. Plain JSON over HTTP.
 *
 *   GET  /service           the demo service's status (the runbook's diagnostics)
 *   POST /service/restart   restart it (the runbook's remediation); 503 when it does not come back
 *   POST /service/break     crash it (?stuck=1: restarts fail until /service/fix)
 *   POST /service/fix       clear a stuck failure and restart
 *   POST /approve           answer every held approval with /approve, as the demo's approver
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LOOPBACK } from "../test/harness/ports.js";
import type { Supervisor } from "./supervisor.js";

export interface ControlDeps {
  supervisor: Supervisor;
  approve(): Promise<string[]>;
  say(line: string): void;
}

export interface Control {
  url: string;
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown };

async function route(deps: ControlDeps, method: string, url: URL): Promise<Answer> {
  const { supervisor } = deps;
  const key = `${method} ${url.pathname}`;
  const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
  switch (key) {
    case "GET /service":
      return { status: 200, body: supervisor.status() };
    case "POST /service/restart":
      try {
        await supervisor.restart();
        deps.say(`  demo-service restarted (${supervisor.address})`);
        return { status: 200, body: supervisor.status() };
      } catch (error) {
        deps.say(`  demo-service did not come back after a restart`);
        return { status: 503, body: { error: reason(error), ...supervisor.status() } };
      }
    case "POST /service/break": {
      const stuck = url.searchParams.get("stuck") === "1";
      await supervisor.crash({ stuck });
      deps.say(`demo-service crashed${stuck ? " (stuck: a restart will not help)" : ""}`);
      return { status: 200, body: supervisor.status() };
    }
    case "POST /service/fix":
      await supervisor.fix();
      deps.say("demo-service fixed and started");
      return { status: 200, body: supervisor.status() };
    case "POST /approve":
      return { status: 200, body: { approved: await deps.approve() } };
    default:
      return { status: 404, body: { error: `no ${key}; see demo/control.ts` } };
  }
}

export async function startControl(deps: ControlDeps): Promise<Control> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://control.invalid");
    void route(deps, request.method ?? "GET", url)
      .catch((error: unknown): Answer => ({ status: 500, body: { error: String(error) } }))
      .then((answer) => {
        response.writeHead(answer.status, { "content-type": "application/json" });
        response.end(`${JSON.stringify(answer.body)}\n`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const url = `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
