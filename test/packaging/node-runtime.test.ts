/**
 * The runtime: Node 24 or newer runs every suite. Where the machine's own node is older, the
 * pinned Node 24 from tools/node (scripts/node-runtime.mjs, npm ci's postinstall) is linked as
 * node_modules/.bin/node, and that binary is the one running this very test.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, lstatSync, readFileSync, realpathSync } from "node:fs";
import { delimiter, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const json = <T>(path: string) => JSON.parse(readFileSync(join(root, path), "utf8")) as T;

const engines = json<{ engines: { node: string } }>("package.json").engines;
const floor = Number(/^>=\s*(\d+)$/.exec(engines.node)?.[1]);
const tools = json<{ optionalDependencies: Record<string, string> }>("tools/node/package.json");
const lock = json<{ packages: Record<string, { version?: string; integrity?: string; optional?: boolean }> }>(
  "tools/node/package-lock.json",
);
const major = (version: string) => Number(version.replace(/^v/, "").split(".")[0]);

/** The machine's own node: the first on PATH outside node_modules (npm puts those first). */
function machineNode(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "" || dir.split(sep).includes("node_modules")) continue;
    try {
      accessSync(join(dir, "node"), constants.X_OK);
      return join(dir, "node");
    } catch {
      // not here
    }
  }
  return undefined;
}

describe("the Node runtime", () => {
  it("is Node 24 or newer, package.json's engines floor", () => {
    expect(floor).toBe(24);
    expect(major(process.version)).toBeGreaterThanOrEqual(floor);
  });

  it("pins one exact Node version of the floor's major for every platform, with its integrity", () => {
    const versions = new Set(Object.values(tools.optionalDependencies));
    expect(versions.size).toBe(1);
    const [version] = [...versions] as [string];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(major(version)).toBe(floor);
    for (const name of Object.keys(tools.optionalDependencies)) {
      expect(name).toMatch(/^node-linux-(x64|arm64)$/);
      expect(lock.packages[`node_modules/${name}`]).toMatchObject({
        version,
        optional: true,
        integrity: expect.stringMatching(/^sha512-/),
      });
    }
  });

  const machine = machineNode();
  const machineVersion = machine
    ? spawnSync(machine, ["--version"], { encoding: "utf8" }).stdout.trim()
    : undefined;
  const link = join(root, "node_modules/.bin/node");
  const machineIsOld = machineVersion !== undefined && major(machineVersion) < floor;

  it.runIf(machineIsOld)(
    `runs on the pinned Node linked as node_modules/.bin/node, this machine's ${machineVersion} being older`,
    () => {
      const pinned = join(
        root,
        "tools/node/node_modules",
        `node-${process.platform}-${process.arch}`,
        "bin/node",
      );
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(realpathSync(link)).toBe(realpathSync(pinned));
      expect(realpathSync(process.execPath)).toBe(realpathSync(pinned));
      expect(process.version).toBe(
        `v${tools.optionalDependencies[`node-${process.platform}-${process.arch}`]}`,
      );
    },
  );

  it.runIf(machineIsOld)("refuses to start under the machine's old node, and says how to get Node 24", () => {
    const result = spawnSync(machine as string, [join(root, "scripts/node-runtime.mjs"), "check"], {
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`this is Node ${machineVersion}`);
    expect(result.stderr).toContain("Run npm ci");
  });

  it.runIf(machineVersion !== undefined && !machineIsOld)(
    `runs on this machine's own ${machineVersion}, with no link to a pinned Node shadowing it`,
    () => {
      let linked = false;
      try {
        linked = realpathSync(link).startsWith(join(root, "tools/node") + sep);
      } catch {
        // no link at all
      }
      expect(linked).toBe(false);
    },
  );

  it("has better-sqlite3 built for the runtime it runs on", async () => {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(":memory:");
    expect(db.prepare("select sqlite_version() as v").get()).toMatchObject({ v: expect.any(String) });
    db.close();
  });
});
