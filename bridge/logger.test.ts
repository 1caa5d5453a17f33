import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

/** Logs one line through a real pino stream and returns what was written. */
async function logged(write: (log: ReturnType<typeof createLogger>) => void): Promise<string> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  const log = createLogger("info", stream);
  write(log);
  log.flush();
  await new Promise((resolve) => setImmediate(resolve));
  return Buffer.concat(chunks).toString("utf8");
}

const SECRET = "ghp_supersecret0123456789";

describe("createLogger", () => {
  it("writes pino JSON lines with the service name", async () => {
    const line = JSON.parse(await logged((log) => log.info({ n: 1 }, "hello")));
    expect(line).toMatchObject({ service: "runbridge", msg: "hello", n: 1, level: 30 });
  });

  it.each<[string, Record<string, unknown>]>([
    ["a token", { token: SECRET }],
    ["a nested token", { github: { token: SECRET } }],
    ["a secret", { auth: { kind: "bearer", secret: SECRET } }],
    ["a GitHub App private key", { auth: { privateKey: SECRET } }],
    ["a password", { password: SECRET }],
    ["an authorization header", { headers: { authorization: `Bearer ${SECRET}` } }],
    [
      "an Authorization header (capitalised, as fetch and Hono spell it)",
      { headers: { Authorization: `Bearer ${SECRET}` } },
    ],
    ["a request's authorization header", { req: { headers: { authorization: `token ${SECRET}` } } }],
    [
      "the request of an Octokit error",
      { err: { request: { headers: { authorization: `token ${SECRET}` } } } },
    ],
    [
      "the whole configuration",
      {
        config: {
          github: { auth: { kind: "token", token: SECRET } },
          apiToken: SECRET,
          alertmanagerAuth: { secret: SECRET },
        },
      },
    ],
    ["a GitHub config logged on its own", { github: { auth: { kind: "app", privateKey: SECRET } } }],
  ])("redacts %s", async (_case, object) => {
    const output = await logged((log) => log.info(object, "something happened"));
    expect(output).toContain("something happened");
    expect(output).not.toContain(SECRET);
    expect(output).toContain("[redacted]");
  });

  it("redacts the authorization header of an error logged as err", async () => {
    const error = Object.assign(new Error("Bad credentials"), {
      status: 401,
      request: {
        method: "POST",
        url: "https://api.github.com/x",
        headers: { authorization: `token ${SECRET}` },
      },
    });
    const output = await logged((log) => log.error({ err: error }, "dispatch failed"));
    expect(output).toContain("Bad credentials");
    expect(output).not.toContain(SECRET);
  });

  it("keeps fields that are not secrets", async () => {
    const output = await logged((log) =>
      log.warn({ url: "http://127.0.0.1:9009", runbooks: 8 }, "listening"),
    );
    expect(JSON.parse(output)).toMatchObject({ url: "http://127.0.0.1:9009", runbooks: 8 });
  });
});
