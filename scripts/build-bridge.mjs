/**
 * @module
 * Builds the bridge into a directory `node <out>/bridge/main.js` starts from: tsc with
 * tsconfig.build.json (bridge/ and the JSON schemas it imports), then the files tsc does not
 * emit, copied next to the compiled modules that read them (the SQL migrations with drizzle's
 * meta/_journal.json, the console's HTML, CSS and JS). `npm run build`, `npm start` and the
 * Dockerfile all build with this script, so they cannot disagree about what a build holds.
 *
 *   node scripts/build-bridge.mjs                      clean build into dist/
 *   node scripts/build-bridge.mjs --if-changed         skip when dist/ was built from the same sources
 *   node scripts/build-bridge.mjs --out-dir <dir>      build elsewhere (inside the repository, so that
 *                                                      node_modules and package.json's "type" apply)
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SOURCES = join(ROOT, "bridge");
/** Written last: the hash of the inputs the build in that directory was made from. */
const STAMP = ".build-inputs";

const log = (message) => process.stderr.write(`build-bridge: ${message}\n`);

/** Files under `dir`, relative to it; test files and fixtures are not part of a build. */
function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .filter((file) => !/\.test\.ts$/.test(file) && !/(^|\/)(__)?fixtures\//.test(file))
    .sort();
}

/** What the output depends on: the sources, the schemas, the compiler settings and this script. */
function inputsHash() {
  const hash = createHash("sha256");
  const inputs = [
    ...files(SOURCES).map((file) => join("bridge", file)),
    ...files(join(ROOT, "schemas")).map((file) => join("schemas", file)),
    "tsconfig.json",
    "tsconfig.build.json",
    "package-lock.json",
    relative(ROOT, fileURLToPath(import.meta.url)),
  ];
  for (const file of inputs)
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(ROOT, file)))
      .update("\0");
  return hash.digest("hex");
}

const { values } = parseArgs({
  options: {
    "out-dir": { type: "string", default: "dist" },
    "if-changed": { type: "boolean", default: false },
  },
});
const out = resolve(ROOT, values["out-dir"]);
const stamp = join(out, STAMP);
const inputs = inputsHash();

if (
  values["if-changed"] &&
  existsSync(join(out, "bridge", "main.js")) &&
  existsSync(stamp) &&
  readFileSync(stamp, "utf8").trim() === inputs
) {
  log(`${relative(ROOT, out) || out} is up to date`);
  process.exit(0);
}

const started = Date.now();
// A clean build: nothing from an older one (a deleted module, a renamed migration) survives.
rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const compile = spawnSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", out], {
  cwd: ROOT,
  stdio: "inherit",
});
if (compile.status !== 0) {
  log(`tsc failed (exit ${compile.status ?? compile.signal})`);
  process.exit(1);
}
let copied = 0;
for (const file of files(SOURCES).filter((name) => !name.endsWith(".ts"))) {
  const target = join(out, "bridge", file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(SOURCES, file), target);
  copied++;
}
writeFileSync(stamp, `${inputs}\n`);
log(
  `built ${relative(ROOT, out) || out}/ (tsc, and ${copied} files tsc does not emit) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
