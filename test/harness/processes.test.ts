// Proves the process helper's two promises: failures carry the log tail, and close() leaves
// nothing behind (the whole process group, grandchildren included).
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "./ports.js";
import { type ManagedProcess, makeTempDir, removeTempDir, startProcess } from "./processes.js";

const started: ManagedProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.close()));
  await Promise.all(dirs.splice(0).map((d) => removeTempDir(d)));
});

async function start(name: string, script: string): Promise<ManagedProcess> {
  const dir = await makeTempDir("proc-test");
  dirs.push(dir);
  const proc = startProcess({ name, command: "sh", args: ["-c", script], logDir: dir });
  started.push(proc);
  return proc;
}

// A killed grandchild may linger as a zombie if the container's init does not reap orphans,
// so "alive" means present in /proc and not in state Z.
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("startProcess", () => {
  it("fails a readiness wait at once when the process exits, with the log tail in the error", async () => {
    const proc = await start("crasher", "echo 'listen tcp: address already in use' >&2; exit 3");
    const t0 = Date.now();
    const wait = proc.waitUntil(async () => undefined, { what: "never ready", timeoutMs: 10_000 });
    await expect(wait).rejects.toThrow(/exit code 3[\s\S]*address already in use/);
    expect(Date.now() - t0).toBeLessThan(5_000); // fail-fast, not the 10 s timeout
  });

  it("includes the tail in a timeout error too", async () => {
    const proc = await start("slow", "echo still booting; sleep 30");
    await expect(proc.waitUntil(async () => undefined, { what: "ready", timeoutMs: 300 })).rejects.toThrow(
      /timed out.*ready[\s\S]*still booting/,
    );
  });

  it("close() kills the whole process group, grandchildren included", async () => {
    // The shell prints the pid of a background grandchild, then waits on it.
    const proc = await start("tree", "sleep 60 & echo grandchild=$!; wait");
    const grandchild = await proc.waitUntil(async () => /grandchild=(\d+)/.exec(proc.tail())?.[1], {
      what: "grandchild pid",
    });
    const pid = Number(grandchild);
    expect(alive(pid)).toBe(true);
    await proc.close();
    expect(proc.exitReason).toBeDefined();
    await waitUntil(() => !alive(pid), { what: `grandchild ${pid} gone`, timeoutMs: 3_000 });
  });
});
