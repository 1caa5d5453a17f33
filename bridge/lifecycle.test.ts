import { describe, expect, it } from "vitest";
import { createLifecycle, StartError } from "./lifecycle.js";
import { createLogger } from "./logger.js";

function recordingLog() {
  const lines: { level: number; msg: string; part?: string }[] = [];
  const log = createLogger("debug", { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe("createLifecycle", () => {
  it("stops the parts last started first, each once", async () => {
    const { log } = recordingLog();
    const parts = createLifecycle(log);
    const stopped: string[] = [];
    for (const name of ["database", "checkpointer", "worker"]) {
      await parts.start(
        name,
        () => name,
        (part) => {
          stopped.push(part);
        },
      );
    }
    const first = parts.stop();
    expect(parts.stop()).toBe(first);
    await first;
    expect(stopped).toEqual(["worker", "checkpointer", "database"]);
  });

  it("names the part that failed to start and registers nothing for it", async () => {
    const { log } = recordingLog();
    const parts = createLifecycle(log);
    const stopped: string[] = [];
    await parts.start(
      "database",
      () => "db",
      () => {
        stopped.push("database");
      },
    );
    const failure = await parts
      .start(
        "HTTP server",
        async () => {
          throw new Error("127.0.0.1:9009 is already in use");
        },
        () => {
          stopped.push("HTTP server");
        },
      )
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartError);
    expect(failure).toMatchObject({
      part: "HTTP server",
      message: "cannot start the HTTP server: 127.0.0.1:9009 is already in use",
    });
    await parts.stop();
    expect(stopped).toEqual(["database"]);
  });

  it("stops the rest when one part fails to stop, logs it, and reports every failure afterwards", async () => {
    const { log, lines } = recordingLog();
    const parts = createLifecycle(log);
    const stopped: string[] = [];
    await parts.start(
      "database",
      () => undefined,
      () => {
        stopped.push("database");
      },
    );
    await parts.start(
      "reconciler",
      () => undefined,
      async () => {
        throw new Error("pass still running");
      },
    );
    await parts.start(
      "HTTP server",
      () => undefined,
      () => {
        stopped.push("HTTP server");
      },
    );
    const failure = await parts.stop().catch((error: unknown) => error);
    expect(stopped).toEqual(["HTTP server", "database"]);
    expect(failure).toBeInstanceOf(AggregateError);
    expect((failure as AggregateError).errors.map((error: Error) => error.message)).toEqual([
      "pass still running",
    ]);
    expect(lines.filter((line) => line.level === 50).map((line) => line.msg)).toEqual([
      "stopping the reconciler failed",
    ]);
  });

  it("refuses to start a part once stopping began", async () => {
    const parts = createLifecycle(recordingLog().log);
    await parts.stop();
    let started = false;
    await expect(
      parts.start(
        "outbox worker",
        () => {
          started = true;
        },
        () => {},
      ),
    ).rejects.toThrow("cannot start the outbox worker: the bridge is stopping");
    expect(started).toBe(false);
  });

  it("leaves a part that outlasts the stop budget behind, says so, and still stops the rest in time", async () => {
    const { log, lines } = recordingLog();
    const parts = createLifecycle(log, { stopBudgetMs: 100, lastPartMs: 20 });
    const stopped: string[] = [];
    await parts.start(
      "database",
      () => "db",
      () => {
        stopped.push("database");
      },
    );
    await parts.start(
      "HTTP server",
      () => "server",
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        stopped.push("HTTP server");
      },
    );
    // A worker whose GitHub call never answers, and one that fails late: neither holds the rest.
    await parts.start(
      "outbox worker",
      () => "worker",
      () => new Promise<void>(() => {}),
    );
    await parts.start(
      "reconciler",
      () => "reconciler",
      () => new Promise<void>((_, reject) => setTimeout(() => reject(new Error("late failure")), 200)),
    );
    const began = Date.now();
    await parts.stop();
    const tookMs = Date.now() - began;
    expect(stopped).toEqual(["HTTP server", "database"]);
    expect(tookMs).toBeGreaterThanOrEqual(95);
    expect(tookMs).toBeLessThan(1_000);
    expect(lines.filter((line) => line.level === 40).map((line) => line.part)).toEqual([
      "reconciler",
      "outbox worker",
    ]);
    // The late failure arrives after stop() returned: handled, not an unhandled rejection.
    await new Promise((resolve) => setTimeout(resolve, 250));
  });
});
