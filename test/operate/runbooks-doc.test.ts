// docs/runbooks.md cannot drift from schemas/runbook.schema.json: every property path of the
// schema is documented, every documented path exists, and every YAML example loads — complete
// runbooks through the same loader the bridge uses (examples routed too), fragments merged into a
// minimal runbook.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseRunbookText } from "../../bridge/runbooks/load.js";
import { buildRunbookSet } from "../../bridge/runbooks/runbook-set.js";
import { schemaPropertyPaths } from "./schema-paths.js";

const DOC = fileURLToPath(new URL("../../docs/runbooks.md", import.meta.url));
const RUNBOOKS = fileURLToPath(new URL("../../runbooks/", import.meta.url));
const SCHEMA = fileURLToPath(new URL("../../schemas/runbook.schema.json", import.meta.url));

const doc = readFileSync(DOC, "utf8");
const paths = schemaPropertyPaths(JSON.parse(readFileSync(SCHEMA, "utf8")));

/** The first-column field names of the reference tables: | `guards.cooldown` | … */
function documentedFields(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `([^`]+)`\s*\|/gm)].map((match) => match[1] as string);
}

function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
}

const BASE = {
  name: "doc-example",
  description: "A fragment of docs/runbooks.md, merged into a minimal runbook",
  owner: "@acme/docs",
  match: { alertname: "NginxDown" },
  mode: "approval",
  environment: "remediation-production",
};

describe("docs/runbooks.md", () => {
  it("documents every property of the runbook schema", () => {
    expect(paths.length).toBeGreaterThan(70);
    const fields = new Set(documentedFields(doc));
    expect(paths.filter((path) => !fields.has(path))).toEqual([]);
  });

  it("documents no field the schema does not have", () => {
    const known = new Set(paths);
    expect(documentedFields(doc).filter((field) => !known.has(field))).toEqual([]);
  });

  it("shows only YAML that the bridge loads", () => {
    const blocks = yamlBlocks(doc);
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    for (const [index, text] of blocks.entries()) {
      const file = `docs/runbooks.md#yaml-${index + 1}`;
      const value = parse(text) as Record<string, unknown>;
      if ("name" in value) {
        const result = buildRunbookSet([{ file, text }]);
        expect(result.problems.map(String), file).toEqual([]);
      } else {
        const merged = stringify({ ...BASE, ...value });
        expect(parseRunbookText(merged, file).problems.map(String), `${file}:\n${text}`).toEqual([]);
      }
    }
  });

  it("lists every runbook of runbooks/ in the shipped catalogue, and nothing else", () => {
    const catalogue = doc.slice(doc.indexOf("## The shipped catalogue"));
    const listed = [...catalogue.matchAll(/^\| \[([a-z0-9-]+)\]\(\.\.\/runbooks\/\1\.yml\) \|/gm)].map(
      (match) => match[1],
    );
    const shipped = readdirSync(RUNBOOKS)
      .filter((file) => file.endsWith(".yml"))
      .map((file) => file.replace(/\.yml$/, ""));
    expect(listed).toEqual(shipped.sort());
  });
});
