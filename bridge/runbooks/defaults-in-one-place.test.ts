// Runbook defaults live in schemas/runbook.schema.json and are applied, with durations turned
// into milliseconds, only by resolve.ts. A fallback written at a call site
// (`step.timeout ?? "5m"`) or a runbook duration parsed there drifts from the schema, and the
// bridge and the Action start to disagree again; this test finds them.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runbookSchema } from "./schema.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Code that may parse durations: the resolver, and settings that are not runbook fields. */
const PARSES_DURATIONS = new Set([
  "bridge/runbooks/duration.ts",
  "bridge/runbooks/resolve.ts",
  // RUNBRIDGE_* environment settings (storm window, intervals).
  "bridge/config.ts",
  // Silences an operator posts to the API.
  "bridge/http/silences.ts",
]);

/** The bridge's own settings have defaults too (RUNBRIDGE_RUNBOOKS_REF ?? "main"): not a runbook's. */
const OWN_DEFAULTS = new Set(["bridge/config.ts"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === "testing" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Every property the schema gives a default, with that default. */
function defaultedFields(node: unknown, name = ""): [string, unknown][] {
  if (typeof node !== "object" || node === null) return [];
  const own: [string, unknown][] = "default" in node ? [[name, (node as { default: unknown }).default]] : [];
  return [
    ...own,
    ...Object.entries(node).flatMap(([key, child]) =>
      // The key under `properties` is the field's name.
      defaultedFields(child, name.endsWith("/properties") ? key : `${name}/${key}`),
    ),
  ];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const fields = defaultedFields(runbookSchema);
const files = [...sourceFiles("bridge"), ...sourceFiles("action/src")].map((path) => ({
  path: relative(root, join(root, path)),
  text: readFileSync(join(root, path), "utf8"),
}));

/** The lines of `text` that match, as "path:line: text". */
function hits(path: string, text: string, pattern: RegExp): string[] {
  return text
    .split("\n")
    .flatMap((line, index) => (pattern.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : []));
}

describe("runbook defaults live in the schema and resolve.ts only", () => {
  it("finds the schema's defaulted fields and the code to search", () => {
    expect(fields.map(([name]) => name)).toEqual(
      expect.arrayContaining(["approvalTimeout", "scope", "timeout", "retryDelay", "severities", "when"]),
    );
    expect(files.map((file) => file.path)).toEqual(
      expect.arrayContaining(["bridge/github/reconciler.ts", "action/src/steps/runner.ts"]),
    );
  });

  it("no call site falls back on a defaulted field (`step.timeout ?? ...`)", () => {
    const names = [...new Set(fields.map(([name]) => escapeRegExp(name)))].join("|");
    const pattern = new RegExp(`\\.(${names})\\s*\\?\\?`);
    // A hit that is not a runbook field (a push payload's `ref`) is renamed or read without `??`.
    expect(files.flatMap((file) => hits(file.path, file.text, pattern))).toEqual([]);
  });

  it('no call site spells out a schema default after ?? (`?? "30m"`, `?? ["critical"]`)', () => {
    const literals = fields
      .map(([, value]) => value)
      .filter((value) => typeof value === "string" || Array.isArray(value))
      .map((value) =>
        typeof value === "string"
          ? `["'\`]${escapeRegExp(value)}["'\`]`
          : `\\[\\s*${(value as unknown[]).map((item) => `["'\`]${escapeRegExp(String(item))}["'\`]`).join("\\s*,\\s*")}\\s*\\]`,
      );
    const pattern = new RegExp(`\\?\\?\\s*(${literals.join("|")})`);
    const found = files
      .filter((file) => !OWN_DEFAULTS.has(file.path))
      .flatMap((file) => hits(file.path, file.text, pattern));
    expect(found).toEqual([]);
  });

  it("only the resolver parses runbook durations; everyone else reads the …Ms fields", () => {
    const found = files
      .filter((file) => !PARSES_DURATIONS.has(file.path))
      .flatMap((file) => hits(file.path, file.text, /\bparseDuration\b/));
    expect(found).toEqual([]);
  });
});
