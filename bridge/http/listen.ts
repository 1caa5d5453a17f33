/**
 * @module
 * Serves the Hono app on a port and reports whether that worked: `serve()` alone never says
 * (a port in use surfaces as an 'error' event nobody waits for). A failure names the address
 * and what to do about it.
 *
 * @example
 *   const server = await listen(app, { port: 9009, host: "0.0.0.0" });
 *   console.log(server.url);
 *   await server.close();
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface ListeningServer {
  /** http://host:port as bound (the real port when 0 was asked for). */
  url: string;
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>;
}

/** Why a port could not be bound, in words that say what to change. */
export class ListenError extends Error {
  constructor(
    readonly address: string,
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(`${address} ${explain(code, cause)}`, { cause });
    this.name = "ListenError";
  }
}

function explain(code: string | undefined, cause: unknown): string {
  switch (code) {
    case "EADDRINUSE":
      return "is already in use (EADDRINUSE): stop the process listening there, or set PORT to a free port";
    case "EACCES":
      return "needs privileges this process lacks (EACCES): set PORT to 1024 or above";
    case "EADDRNOTAVAIL":
      return "is not an address of this machine (EADDRNOTAVAIL): set HOST to one of its addresses, or 0.0.0.0";
    default:
      return `cannot be listened on: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
}

export function listen(
  app: Pick<Hono, "fetch">,
  where: { port: number; host: string },
): Promise<ListeningServer> {
  const address = `${where.host.includes(":") ? `[${where.host}]` : where.host}:${where.port}`;
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: where.port, hostname: where.host }, () => {
      server.off("error", fail);
      const bound = server.address() as AddressInfo;
      const host = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
      resolve({
        url: `http://${host}:${bound.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
    function fail(error: NodeJS.ErrnoException): void {
      reject(new ListenError(address, error.code, error));
    }
    server.once("error", fail);
  });
}
