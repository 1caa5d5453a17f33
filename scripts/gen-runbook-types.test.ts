import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generateRunbookTypes, typesPath } from "./gen-runbook-types.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const biome = fileURLToPath(new URL("../node_modules/@biomejs/biome/bin/biome", import.meta.url));

/** Formats TypeScript as the committed file was: with the project's Biome settings. */
function formatWithBiome(source: string): string {
  return execFileSync(
    process.execPath,
    [biome, "format", "--stdin-file-path=bridge/runbooks/runbook.types.ts"],
    {
      cwd: root,
      input: source,
      encoding: "utf8",
    },
  );
}

describe("gen-runbook-types", () => {
  it("the committed runbook.types.ts is what the schema generates (after Biome formatting)", async () => {
    const fresh = formatWithBiome(await generateRunbookTypes());
    const committed = readFileSync(typesPath, "utf8");
    // On failure: npx tsx scripts/gen-runbook-types.ts && npx biome format --write bridge/runbooks/runbook.types.ts
    expect(committed).toBe(fresh);
  });

  it("the generated types name every definition the loader imports", async () => {
    const generated = await generateRunbookTypes();
    for (const name of ["Runbook", "Globs", "MatcherMap", "Example", "Step", "RunStep", "Duration"]) {
      expect(generated).toMatch(new RegExp(`export (type|interface) ${name}\\b`));
    }
  });
});
