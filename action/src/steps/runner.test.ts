import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testExecution } from "../testing/execution.js";
import { type Loopback, startLoopback } from "../testing/loopback.js";
import { testStep } from "../testing/runbook.js";
import type { StepLog } from "./log.js";
import { runStep } from "./runner.js";

describe("step runner", () => {
  const execution = testExecution({ secrets: { API_TOKEN: "tok-9f8e7d6c" } });
  let server: Loopback;
  let failuresLeft = 0;
  beforeAll(async () => {
    server = await startLoopback((_, response) => {
      if (failuresLeft > 0) {
        failuresLeft--;
        response.writeHead(503).end("not yet");
      } else response.writeHead(200).end("up");
    });
  });
  afterAll(async () => {
    await server.close();
    execution.cleanup();
  });

  it("retries with retryDelay until the step passes", async () => {
    failuresLeft = 2;
    const result = await runStep(
      testStep({ name: "up again", http: { url: `${server.url}/` }, retries: 3, retryDelay: "10ms" }),
      execution,
      { begin() {}, output() {}, end() {} },
    );
    expect(result).toMatchObject({ status: "passed", attempts: 3 });
  });

  it("fails after the last attempt, saying how many and why", async () => {
    failuresLeft = 5;
    const result = await runStep(
      testStep({ name: "up again", http: { url: `${server.url}/` }, retries: 1, retryDelay: "10ms" }),
      execution,
      {
        begin() {},
        output() {},
        end() {},
      },
    );
    expect(result.status).toBe("failed");
    expect(result.reason).toMatch(
      /^step "up again" \(http\) failed after 2 attempts: GET .* → HTTP 503, expected a 2xx status/,
    );
  });

  it("marks a failure the runbook allows as continued", async () => {
    const result = await runStep(
      testStep({ name: "optional", run: "exit 3", continueOnError: true }),
      execution,
      {
        begin() {},
        output() {},
        end() {},
      },
    );
    expect(result).toMatchObject({ status: "failed", continued: true });
  });

  it("times out a wait step", async () => {
    const result = await runStep(testStep({ name: "long wait", wait: "1h", timeout: "50ms" }), execution, {
      begin() {},
      output() {},
      end() {},
    });
    expect(result.reason).toBe('step "long wait" (wait) failed: timed out after 50ms');
  });

  it("logs each attempt and masks secrets in the recorded output and reason", async () => {
    const lines: string[] = [];
    const log: StepLog = {
      begin: (title) => lines.push(`begin ${title}`),
      output: () => {},
      end: (message) => lines.push(`end ${message}`),
    };
    const result = await runStep(
      testStep({
        name: "leaky",
        secrets: ["API_TOKEN"],
        run: 'echo "using $API_TOKEN"; echo "bad $API_TOKEN" >&2; exit 1',
        retries: 1,
        retryDelay: "1ms",
      }),
      execution,
      log,
    );
    expect(result.output).toBe("using ***\nbad ***\n");
    expect(lines).toEqual([
      "begin leaky (attempt 1 of 2)",
      "end failed: script exited with code 1",
      "begin leaky (attempt 2 of 2)",
      "end failed: script exited with code 1",
    ]);
  });
});
