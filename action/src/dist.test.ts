// The committed bundle must be what the sources build to, as check-dist.yml checks on every push.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const actionDir = join(dirname(fileURLToPath(import.meta.url)), "..");

describe("action/dist", () => {
  const fresh = mkdtempSync(join(tmpdir(), "runbridge-dist-"));
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it("matches a fresh build of the sources (else run `npm run build:action` and commit action/dist)", () => {
    execFileSync(process.execPath, [join(actionDir, "build.mjs"), fresh], { stdio: "pipe" });
    const committed = join(actionDir, "dist");
    expect(readdirSync(committed).sort()).toEqual(readdirSync(fresh).sort());
    for (const file of readdirSync(fresh)) {
      const same = readFileSync(join(fresh, file)).equals(readFileSync(join(committed, file)));
      expect(same, `action/dist/${file} is stale: run \`npm run build:action\` and commit action/dist`).toBe(
        true,
      );
    }
  }, 60_000);
});
