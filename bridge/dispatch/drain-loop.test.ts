// The shared drain loop's back-off when claims fail: a fake clock, so the test counts attempts
// rather than waiting seconds.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../logger.js";
import { createDrainLoop, type DrainLoop } from "./drain-loop.js";

function recordingLog() {
  const lines: { level: number; msg: string }[] = [];
  const log = createLogger("debug", { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

const failing = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("drain loop", () => {
  let loop: DrainLoop | undefined;
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    const stopping = loop?.stop();
    await vi.runOnlyPendingTimersAsync();
    await stopping;
    vi.useRealTimers();
  });

  /** A loop whose claims fail with `error` `failures` times, then find nothing to do. */
  function startFailingClaims(error: Error, failures: number) {
    const { log, lines } = recordingLog();
    const attempts: number[] = [];
    loop = createDrainLoop<string>({
      name: "outbox",
      log,
      concurrency: 1,
      now: () => Date.now(),
      async claim() {
        attempts.push(Date.now());
        if (attempts.length <= failures) throw error;
        return undefined;
      },
      nextReadyAt: async () => undefined,
      process: async () => {},
      recordUnexpected: async () => {},
    });
    loop.start();
    return { attempts, lines };
  }

  it("tries again every second while another process holds the write lock, and says so once", async () => {
    const started = Date.now();
    const { attempts, lines } = startFailingClaims(failing("SQLITE_BUSY", "database is locked"), 6);
    await vi.advanceTimersByTimeAsync(6_500);
    // Six failed claims a second apart, then the seventh found the lock gone.
    expect(attempts.slice(0, 7).map((at) => Math.round((at - started) / 1_000))).toEqual([
      0, 1, 2, 3, 4, 5, 6,
    ]);
    const warnings = lines.filter((line) => line.msg.includes("holds the database's write lock"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe(40);
    expect(lines.filter((line) => line.msg.includes("takes writes again"))).toHaveLength(1);
  });

  it("backs off 1 s doubling on a full disk", async () => {
    const started = Date.now();
    const { attempts, lines } = startFailingClaims(failing("SQLITE_FULL", "database or disk is full"), 4);
    await vi.advanceTimersByTimeAsync(16_500);
    expect(attempts.slice(0, 5).map((at) => Math.round((at - started) / 1_000))).toEqual([0, 1, 3, 7, 15]);
    expect(
      lines.filter((line) => line.msg.includes("backing off until the database takes writes")),
    ).toHaveLength(4);
  });
});
