/**
 * @module
 * The Node.js the bridge, its tests and the benchmark run on: Node 24 or newer.
 *
 * Where the machine's own `node` is older (Debian 12 machines here have Node 20, end of life
 * since 2026-04-30), `npm ci` brings the official Node 24 binary and headers from the npm
 * registry: package `node-<os>-<arch>`, pinned with its integrity in tools/node/package-lock.json,
 * installed into tools/node/node_modules and linked as node_modules/.bin/node. npm puts
 * node_modules/.bin first on PATH in every npm script and `npx` call, so `npm start`, `npm test`,
 * vitest, tsx, act and every child process started with `process.execPath` run on it.
 * better-sqlite3 is then rebuilt against that Node's headers, once: its install script ran
 * under npm's own (older) node. Where the machine's node is 24 or newer (CI, the Docker image),
 * that node is used and nothing is installed.
 *
 *   node scripts/node-runtime.mjs setup   npm's postinstall: the runtime, and better-sqlite3 built for it
 *   node scripts/node-runtime.mjs check   before npm start / npm test / npm run bench: this node is
 *                                         24 or newer and better-sqlite3 loads in it (rebuilt if not)
 *
 * Plain JavaScript without dependencies: it runs under whatever node npm runs on.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { delimiter, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const MIN_MAJOR = 24;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TOOLS = join(ROOT, "tools", "node");
const LINK = join(ROOT, "node_modules", ".bin", "node");
// better-sqlite3 opens its addon lazily, on the first Database: open one to load it.
const PROBE = 'new (require("better-sqlite3"))(":memory:").close()';
// The addon is missing or was built for another Node (NODE_MODULE_VERSION is the ABI number).
const NEEDS_BUILD = /NODE_MODULE_VERSION|Could not locate the bindings file/;

const log = (message) => process.stderr.write(`runbridge: ${message}\n`);
const major = (version) => Number(version.replace(/^v/, "").split(".")[0]);

/** The pinned Node for this platform, from tools/node/package.json. */
function pinnedNode() {
  const name = `node-${process.platform}-${process.arch}`;
  const manifest = JSON.parse(readFileSync(join(TOOLS, "package.json"), "utf8"));
  const version = manifest.optionalDependencies?.[name];
  if (!version) {
    throw new Error(
      `this machine's node is older than ${MIN_MAJOR} and tools/node pins no Node for ${process.platform}-${process.arch}: install Node ${MIN_MAJOR} or newer (https://nodejs.org) and run npm ci again.`,
    );
  }
  const dir = join(TOOLS, "node_modules", name);
  return { name, version, dir, bin: join(dir, "bin", "node") };
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The machine's own node: the one npm runs on, else the first `node` on PATH outside
 * node_modules (where npm scripts find the linked one first).
 */
function machineNode() {
  if (process.env.npm_node_execpath) return process.env.npm_node_execpath;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "" || dir.split(sep).includes("node_modules")) continue;
    if (isExecutable(join(dir, "node"))) return join(dir, "node");
  }
  return process.execPath;
}

function versionOf(node) {
  return resolve(node) === process.execPath
    ? process.version
    : execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
}

/** Our link into tools/node, if node_modules/.bin/node is one. */
function ourLink() {
  try {
    if (!lstatSync(LINK).isSymbolicLink()) return undefined;
    const target = resolve(dirname(LINK), readlinkSync(LINK));
    return target.startsWith(TOOLS + sep) ? target : undefined;
  } catch {
    return undefined;
  }
}

function installPinned(pin) {
  if (existsSync(pin.bin) && versionOf(pin.bin) === `v${pin.version}`) return;
  log(`installing the pinned Node ${pin.version} (npm package ${pin.name}) in tools/node`);
  const npm = spawnSync("npm", ["ci", "--prefix", TOOLS, "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (npm.status !== 0)
    throw new Error(`npm ci --prefix tools/node failed (exit ${npm.status ?? npm.signal})`);
  if (versionOf(pin.bin) !== `v${pin.version}`)
    throw new Error(`tools/node has ${versionOf(pin.bin)} where ${pin.version} is pinned`);
}

function linkPinned(pin) {
  if (ourLink() === pin.bin) return;
  if (existsSync(LINK) && !ourLink()) {
    throw new Error(
      `${relative(ROOT, LINK)} exists and is not the link to tools/node; remove it and run npm ci`,
    );
  }
  rmSync(LINK, { force: true });
  symlinkSync(relative(dirname(LINK), pin.bin), LINK);
}

function probe(node) {
  return spawnSync(node, ["-e", PROBE], { cwd: ROOT, encoding: "utf8" });
}

/**
 * better-sqlite3 must load in `node`; when it was built for another Node, rebuild it against
 * `node`'s headers (`nodedir`: the pinned package ships them; else npm's own configuration).
 */
function ensureNativeModules(node, nodedir) {
  const first = probe(node);
  if (first.status === 0) return;
  if (!NEEDS_BUILD.test(first.stderr)) {
    throw new Error(`better-sqlite3 does not load in ${node}:\n${first.stderr}`);
  }
  const version = versionOf(node);
  log(
    `building better-sqlite3 for Node ${version} against ${nodedir ? `the headers in ${relative(ROOT, nodedir)}` : "its headers"} (about 1.5 minutes on 2 cores; once)`,
  );
  const started = Date.now();
  const rebuild = spawnSync("npm", ["rebuild", "better-sqlite3"], {
    cwd: ROOT,
    stdio: "inherit",
    env: {
      ...process.env,
      // npm, node-gyp and the install script all run on `node`.
      PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}`,
      // Compile here, never fetch a prebuilt binary from GitHub (prebuild-install's own setting,
      // read through rc; npm warns about npm_config_build_from_source as an unknown config).
      "prebuild-install_buildFromSource": "true",
      ...(nodedir && { npm_config_nodedir: nodedir }),
    },
  });
  if (rebuild.status !== 0) throw new Error(`npm rebuild better-sqlite3 failed (exit ${rebuild.status})`);
  const again = probe(node);
  if (again.status !== 0) {
    throw new Error(
      `better-sqlite3 still does not load in Node ${version} after a rebuild:\n${again.stderr}`,
    );
  }
  log(`better-sqlite3 built for Node ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** npm's postinstall: the runtime (the machine's node, or the pinned one linked), and better-sqlite3 for it. */
function setup() {
  const machine = machineNode();
  const machineVersion = versionOf(machine);
  if (major(machineVersion) >= MIN_MAJOR) {
    // This machine's node is new enough; a link left from an older one would shadow it.
    if (ourLink()) rmSync(LINK);
    ensureNativeModules(machine);
    return;
  }
  const pin = pinnedNode();
  log(
    `this machine's node is ${machineVersion} (${machine}); the bridge runs on the pinned Node ${pin.version}`,
  );
  installPinned(pin);
  linkPinned(pin);
  ensureNativeModules(pin.bin, pin.dir);
  log(`node_modules/.bin/node is Node ${pin.version}: npm start, npm test and npx use it`);
}

/** Before npm start / npm test / npm run bench: the node running this is the runtime, and ready. */
function check() {
  if (major(process.version) < MIN_MAJOR) {
    throw new Error(
      `this is Node ${process.version} (${process.execPath}); the bridge needs Node ${MIN_MAJOR} or newer. Run npm ci (its postinstall links a pinned Node ${MIN_MAJOR} as node_modules/.bin/node), then use npm start, npm test or npx, which run it.`,
    );
  }
  const pinned = process.execPath.startsWith(TOOLS + sep);
  ensureNativeModules(process.execPath, pinned ? resolve(dirname(process.execPath), "..") : undefined);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  try {
    if (command === "setup") setup();
    else if (command === "check") check();
    else throw new Error(`usage: node scripts/node-runtime.mjs setup|check (got ${command ?? "nothing"})`);
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
