/**
 * Generates bridge/runbooks/runbook.types.ts from schemas/runbook.schema.json, so the
 * schema stays the single source of the runbook contract. A test fails when the
 * committed file differs from what this script would write.
 *
 *   npx tsx scripts/gen-runbook-types.ts
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compile } from "json-schema-to-typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
export const schemaPath = `${root}schemas/runbook.schema.json`;
export const typesPath = `${root}bridge/runbooks/runbook.types.ts`;

export async function generateRunbookTypes(): Promise<string> {
  const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
  return compile(schema, "Runbook", {
    bannerComment:
      "/* Generated from schemas/runbook.schema.json by scripts/gen-runbook-types.ts. Do not edit. */",
    additionalProperties: false,
    unreachableDefinitions: false,
    format: false,
    style: { singleQuote: false },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(typesPath, await generateRunbookTypes());
  console.log(`wrote ${typesPath}`);
}
