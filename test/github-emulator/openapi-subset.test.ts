import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildSubset, loadFullSpec, OPERATION_IDS, SUBSET_PATH } from "../../scripts/gen-openapi-subset.js";
import { listOperations, loadSubset } from "./openapi.js";

describe("openapi-subset.json", () => {
  it("matches what scripts/gen-openapi-subset.ts generates from the installed @octokit/openapi", () => {
    const { spec, version } = loadFullSpec();
    const expected = `${JSON.stringify(buildSubset(spec, version), null, 2)}\n`;
    // On failure, run: npx tsx scripts/gen-openapi-subset.ts
    expect(readFileSync(SUBSET_PATH, "utf8") === expected).toBe(true);
  });

  it("holds exactly the operations the project uses, with their source recorded", () => {
    const subset = loadSubset();
    expect(subset["x-source"]).toMatchObject({
      package: "@octokit/openapi",
      file: "generated/api.github.com.json",
    });
    expect(
      listOperations(subset)
        .map((op) => op.operationId)
        .sort(),
    ).toEqual([...OPERATION_IDS].sort());
  });

  it("resolves every $ref inside the subset", () => {
    const text = readFileSync(SUBSET_PATH, "utf8");
    const subset = JSON.parse(text) as Record<string, Record<string, Record<string, unknown>>>;
    const refs = new Set(
      [...text.matchAll(/"\$ref": "#\/components\/(\w+)\/([^"]+)"/g)].map((m) => `${m[1]}/${m[2]}`),
    );
    const missing = [...refs].filter((ref) => {
      const [section = "", name = ""] = ref.split("/");
      return subset.components?.[section]?.[name.replaceAll("~1", "/").replaceAll("~0", "~")] === undefined;
    });
    expect(missing).toEqual([]);
  });

  it("fails loudly when an operationId does not exist", () => {
    const { spec, version } = loadFullSpec();
    expect(() => buildSubset(spec, version, ["actions/no-such-operation"])).toThrow(
      /actions\/no-such-operation/,
    );
  });
});
