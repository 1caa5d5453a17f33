/**
 * @module
 * Builds the bridge into a directory `node <out>/bridge/main.js` starts from: tsc type-checks
 * it (tsconfig.build.json), esbuild bundles main.ts and everything it imports into that one
 * file (better-sqlite3 stays a package: it is native), and the files the bridge reads at run
 * time are copied under their paths in bridge/ (the SQL migrations with drizzle's
 * meta/_journal.json, the console's HTML, CSS and JS; see bridge/bridge-files.ts).
 * `npm run build`, `npm start` and the Dockerfile all build with this script, so they cannot
 * disagree about what a build holds.
 *
 * Why a bundle: Node's module loader keeps per-module state for each of the ~1,000 modules
 * the bridge and its packages are made of, and a bundle's idle RSS is ~35 MB lower
 * (docs/benchmarks.md). Whitespace and syntax are minified; names are not, so stack traces
 * still name the functions, and main.js.map maps them back to the sources
 * (`node --enable-source-maps dist/bridge/main.js`).
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
import { build } from "esbuild";

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
const typeCheck = spawnSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json"), "--noEmit"], {
  cwd: ROOT,
  stdio: "inherit",
});
if (typeCheck.status !== 0) {
  log(`tsc found type errors (exit ${typeCheck.status ?? typeCheck.signal})`);
  process.exit(1);
}
await build({
  entryPoints: [join(SOURCES, "main.ts")],
  outfile: join(out, "bridge", "main.js"),
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  // A native addon is loaded from node_modules at run time, never bundled.
  external: ["better-sqlite3"],
  // Packages written as CommonJS call require() for Node's built-ins, which an ES module lacks.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);',
  },
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  sourcemap: "linked",
  logLevel: "warning",
});
let copied = 0;
for (const file of files(SOURCES).filter((name) => !name.endsWith(".ts"))) {
  const target = join(out, "bridge", file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(SOURCES, file), target);
  copied++;
}
writeFileSync(stamp, `${inputs}\n`);
log(
  `built ${relative(ROOT, out) || out}/ (type-checked, bundled, and ${copied} files the bridge reads at run time) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
