import pino from "pino";
import { describe, expect, it } from "vitest";
import { settleStartupMemory } from "./settle-memory.js";

const log = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps the event loop busy (~80 % of the time) until stopped, as a storm of requests would. */
function busyLoop(): () => void {
  const timer = setInterval(() => {
    const until = performance.now() + 4;
    while (performance.now() < until) {}
  }, 5);
  return () => clearInterval(timer);
}

describe("settleStartupMemory", () => {
  it("collects once, at the first quiet moment", async () => {
    let collections = 0;
    settleStartupMemory(log, { delayMs: 20, checkEveryMs: 20, collect: () => collections++ });
    await sleep(150);
    expect(collections).toBe(1);
  });

  it("waits while the bridge is busy, then collects when traffic stops", async () => {
    let collections = 0;
    const stopBusy = busyLoop();
    settleStartupMemory(log, { delayMs: 20, checkEveryMs: 20, collect: () => collections++ });
    await sleep(200);
    expect(collections).toBe(0);
    stopBusy();
    await sleep(150);
    expect(collections).toBe(1);
  });

  it("gives up when the bridge stays busy", async () => {
    let collections = 0;
    const stopBusy = busyLoop();
    settleStartupMemory(log, {
      delayMs: 20,
      checkEveryMs: 20,
      giveUpAfterMs: 100,
      collect: () => collections++,
    });
    await sleep(200);
    stopBusy();
    await sleep(100);
    expect(collections).toBe(0);
  });

  it("does nothing without a way to collect (Node started without --expose-gc)", async () => {
    const stop = settleStartupMemory(log, { delayMs: 1, collect: undefined });
    expect(typeof stop).toBe("function");
  });
});
