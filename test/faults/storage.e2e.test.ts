// Storage faults mid-storm, with real parts only. A real filesystem that runs out of space (a
// small tmpfs holding the database, filled by a ballast file while distinct alerts arrive) and a
// second process holding SQLite's write lock. test/operate/full-disk.test.ts covers a full
// database from SQLite's page limit with one sender; here the kernel says ENOSPC to a storm of
// concurrent senders and the outbox worker, and the checks are those of a storm: every alert
// answered 2xx has exactly one execution and one run, nothing is duplicated, the invariants hold.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../e2e/support.js";
import { waitUntil } from "../harness/ports.js";
import { makeTempDir, removeTempDir } from "../harness/processes.js";
import {
  type Answer,
  expectAccountedFor,
  metricValue,
  sendStorm,
  startFaultRig,
  stormAlerts,
  waitForDrain,
} from "./rig.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Writes a file until the filesystem refuses (ENOSPC); returns the bytes written. */
function fillFilesystem(file: string): number {
  const fd = openSync(file, "w");
  let written = 0;
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
      const chunk = Buffer.alloc(size, 0x78);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

const isRoot = process.getuid?.() === 0;

describe("a filesystem that fills up mid-storm", () => {
  // Mounting a tmpfs needs root (CAP_SYS_ADMIN); CI (`.ci/run`) runs as root on this machine.
  it.skipIf(!isRoot)(
    "answers 503 with Retry-After while full, logs and counts it, and loses nothing acknowledged once space returns",
    async () => {
      const mountDir = await makeTempDir("faults-tmpfs");
      cleanups.push(() => removeTempDir(mountDir));
      const mount = spawn("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mountDir], {
        stdio: "inherit",
      });
      const mounted = await new Promise<number | null>((resolve) => mount.on("exit", resolve));
      expect(mounted, "mount -t tmpfs (needs root)").toBe(0);
      cleanups.push(
        () => new Promise<void>((resolve) => spawn("umount", ["-l", mountDir]).on("exit", () => resolve())),
      );
      const dataDir = join(mountDir, "data");
      mkdirSync(dataDir);
      const rig = await startFaultRig({
        dbFile: join(dataDir, "runbridge.db"),
        extra: { RUNBRIDGE_DISPATCH_CONCURRENCY: "2" },
      });
      cleanups.push(() => rig.close());
      const ballast = join(mountDir, "ballast");

      const alerts = stormAlerts(240, { dispatchEvery: 12 });
      let accepted = 0;
      let filledAt: number | undefined;
      let full: { answer: Answer; readyz: { status: number; body: string } } | undefined;
      let freedAt: number | undefined;
      await sendStorm(rig.url, alerts, {
        senders: 4,
        retryDelayMs: 250,
        deadlineMs: 90_000,
        async onAnswer(_alert, answer) {
          if (typeof answer === "string") return;
          if (answer.status === 200) accepted += 1;
          if (accepted >= 40 && filledAt === undefined) {
            filledAt = Date.now();
            fillFilesystem(ballast);
          }
          if (answer.status === 503 && !full) {
            const readyz = await fetch(`${rig.url}/readyz`);
            full = { answer, readyz: { status: readyz.status, body: await readyz.text() } };
          }
          // Full for a while (every sender meets it), then the operator frees space.
          if (full && filledAt !== undefined && freedAt === undefined && Date.now() - filledAt > 2_500) {
            freedAt = Date.now();
            rmSync(ballast);
          }
        },
      });
      if (!full) throw new Error("the filled filesystem never refused a delivery");
      expect(full.answer.retryAfter).toBe("5");
      expect(full.answer.body).toMatch(
        /database cannot take writes \(SQLITE_(FULL|IOERR)\w*\); free disk space/,
      );
      expect(full.readyz.status).toBe(503);
      expect(full.readyz.body).toContain("database cannot take writes");
      expect(freedAt, "the ballast was removed during the storm").toBeDefined();

      const refusals = alerts.flatMap((alert) => alert.answers.filter((status) => status === 503)).length;
      const storageErrors =
        (await metricValue(rig, 'runbridge_storage_errors_total{code="SQLITE_FULL"}')) +
        (await metricValue(rig, 'runbridge_storage_errors_total{code="SQLITE_IOERR"}'));
      expect(storageErrors).toBeGreaterThanOrEqual(1);
      const logged = rig
        .logLines()
        .filter((line) => line.includes("the database cannot take writes (disk full or I/O error)"));
      expect(logged.length).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(logged[0] as string)).toMatchObject({ level: 50 });

      // Space is back: the bridge recovered by itself (no restart), the retries were answered,
      // the outbox drains, and each alert answered 200 has exactly one execution and one run.
      expect((await fetch(`${rig.url}/readyz`)).status).toBe(200);
      await waitForDrain(rig);
      await expectAccountedFor(rig, alerts);
      console.log(
        `[faults] full tmpfs: ${alerts.length} alerts, ${refusals} deliveries refused with 503 while full ` +
          `(${(freedAt ?? 0) - (filledAt ?? 0)} ms), ${storageErrors} storage errors counted, ${rig.gh.runs().length} runs`,
      );
    },
    120_000,
  );
});

/** Runs a process that holds the write lock for `holdMs`; resolves once it has released it and exited. */
async function holdWriteLock(dbFile: string, holdMs: number, onLocked: () => void): Promise<void> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "test/faults/hold-write-lock.ts"), dbFile, String(holdMs)],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  cleanups.push(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  child.stdout.on("data", (chunk: Buffer) => {
    if (chunk.toString().includes("locked")) onLocked();
  });
  await new Promise<void>((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`lock holder exited ${code}`)))),
  );
}

describe("a second process holding the write lock mid-storm", () => {
  it("waits within the busy timeout, answers 503 beyond it, and loses or duplicates nothing", async () => {
    const rig = await startFaultRig();
    cleanups.push(() => rig.close());
    const alerts = stormAlerts(160, { dispatchEvery: 10 });
    let accepted = 0;
    const answers: { sentAt: number; answeredAt: number; status: number | string; body?: string }[] = [];
    const storm = sendStorm(rig.url, alerts, {
      senders: 4,
      pauseMs: 50,
      retryDelayMs: 250,
      deadlineMs: 90_000,
      onAnswer(_alert, answer, sentAt) {
        const status = typeof answer === "string" ? answer : answer.status;
        if (status === 200) accepted += 1;
        answers.push({
          sentAt,
          answeredAt: Date.now(),
          status,
          body: typeof answer === "string" ? undefined : answer.body,
        });
        if (typeof answer !== "string" && answer.status === 503) expect(answer.retryAfter).toBe("5");
      },
    });
    // When each lock was held: a delivery in flight during a window met the lock.
    const windows: { from: number; to: number }[] = [];
    const hold = async (afterAccepted: number, holdMs: number) => {
      await waitUntil(() => accepted >= afterAccepted, {
        what: `${afterAccepted} accepted alerts`,
        timeoutMs: 60_000,
        intervalMs: 5,
      });
      let from = 0;
      await holdWriteLock(rig.dbFile, holdMs, () => {
        from = Date.now();
      });
      windows.push({ from, to: Date.now() });
    };
    await hold(30, 2_000); // shorter than busy_timeout (5 s): writers wait, then succeed
    // Longer than the busy timeout: SQLITE_BUSY → 503, and Alertmanager retries. The background
    // loops queued before a delivery's commit (the outboxes' claims…) give up after a brief wait
    // (store/background-work.ts), so the delivery is answered after one busy timeout, not after
    // one each for them and for it: better-sqlite3 waits synchronously.
    await hold(accepted + 20, 16_000);
    await storm;
    const metLock = (window?: { from: number; to: number }) =>
      answers
        .filter(({ sentAt, answeredAt }) => window && sentAt < window.to && answeredAt > window.from)
        .map(({ status }) => status);
    const within = metLock(windows[0]);
    const beyond = metLock(windows[1]);
    expect(within.length, "deliveries in flight while the 2 s lock was held").toBeGreaterThan(0);
    expect(
      within.filter((status) => status !== 200),
      "answers within the busy timeout",
    ).toEqual([]);
    expect(beyond, "deliveries in flight while the 16 s lock was held").toContain(503);
    const first503 = answers.find(
      ({ answeredAt, status }) => status === 503 && windows[1] && answeredAt > windows[1].from,
    );
    // One busy timeout (5 s) after the lock was taken, with room for a slow machine; with every
    // background loop waiting out the timeout first it came at 15 s or later.
    expect((first503?.answeredAt ?? Number.POSITIVE_INFINITY) - (windows[1]?.from ?? 0)).toBeLessThan(10_000);
    expect(first503?.body).toContain("the database is locked by another process");
    expect(
      rig.logLines().some((line) => line.includes("another process held the database's write lock")),
    ).toBe(true);

    await waitForDrain(rig);
    await expectAccountedFor(rig, alerts);
    const refused = alerts.flatMap((alert) => alert.answers.filter((status) => status === 503)).length;
    console.log(
      `[faults] write lock held 2 s, then 16 s: ${alerts.length} alerts, ${refused} deliveries answered 503; ` +
        `answers during the 2 s lock ${JSON.stringify(countStatuses(within))}, during the 16 s lock ${JSON.stringify(countStatuses(beyond))}, ` +
        `the first 503 ${(first503?.answeredAt ?? 0) - (windows[1]?.from ?? 0)} ms after it was taken`,
    );
  }, 120_000);
});

function countStatuses(statuses: (number | string)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}
