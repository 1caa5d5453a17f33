/**
 * No Docker engine runs here, so the Dockerfile is checked by reading it: everything it
 * copies exists (or is built by a step it runs) and is not excluded by .dockerignore, every
 * script it calls is defined, it builds with the same script as `npm run build` (which
 * compiled-bridge.e2e.test.ts starts with plain node), and the runtime stage is what the
 * issues ask for.
 */
import { existsSync, readFileSync } from "node:fs";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import { minimatch } from "minimatch";
import { describe, expect, it } from "vitest";
import { BRIDGE_ENV, BRIDGE_NODE_FLAGS } from "../../scripts/bridge-node-flags.mjs";
import {
  type Instruction,
  instructions,
  parseCopy,
  parseDockerfile,
  parseEnv,
  type Stage,
  words,
  workdir,
} from "./dockerfile.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string) => readFileSync(`${root}/${path}`, "utf8");

const dockerfile = parseDockerfile(read("Dockerfile"));
const packageJson = JSON.parse(read("package.json")) as {
  type?: string;
  engines: { node: string };
  scripts: Record<string, string>;
};
const buildConfig = JSON.parse(read("tsconfig.build.json")) as {
  extends?: string;
  include: string[];
  compilerOptions: { outDir: string; rootDir?: string };
};
const buildScript = read("scripts/build-bridge.mjs");
const buildScriptOutDir = /"out-dir": \{[^}]*default: "([^"]+)"/.exec(buildScript)?.[1] ?? "(none)";
const finalStage = dockerfile.stages.at(-1) as Stage;
const buildStages = dockerfile.stages.slice(0, -1);
const env = Object.assign(
  {},
  ...instructions(finalStage, "ENV").map((instruction) => parseEnv(instruction.args)),
);

function copies(stage: Stage) {
  return instructions(stage, "COPY").map((instruction) => ({ instruction, ...parseCopy(instruction.args) }));
}

function runCommands(stage: Stage): string {
  return instructions(stage, "RUN")
    .map((instruction) => instruction.args)
    .join("\n");
}

function where(instruction: Instruction): string {
  return `Dockerfile:${instruction.line} ${instruction.keyword} ${instruction.args}`;
}

/** `./x`, `x/`, `/app/x` (with workdir /app) → `x`. */
function relativeTo(dir: string, path: string): string {
  const absolute = posix.resolve(dir, path);
  return posix.relative(dir, absolute);
}

function stageNamed(name: string): Stage | undefined {
  return dockerfile.stages.find((stage) => stage.name === name || String(stage.index) === name);
}

/** Top-level paths a stage has after its steps: what it copied in, plus what its RUN steps build. */
function pathsIn(stage: Stage): Set<string> {
  const dir = workdir(stage);
  const paths = new Set<string>();
  for (const copy of copies(stage)) {
    const destination = relativeTo(dir, copy.destination);
    for (const source of copy.sources) {
      const name = copy.destination.endsWith("/") ? posix.basename(source) : destination;
      paths.add(name.split("/")[0] as string);
    }
  }
  const run = runCommands(stage);
  if (/\bnpm (ci|install)\b/.test(run)) paths.add("node_modules");
  const scripts = [...run.matchAll(/\bnpm run ([\w:.-]+)/g)].map(
    (match) => packageJson.scripts[match[1] as string],
  );
  // The build script writes its default output directory unless told --out-dir.
  if (
    [run, ...scripts].some((command) =>
      /\bscripts\/build-bridge\.mjs\b(?![^\n&;]*--out-dir)/.test(command ?? ""),
    )
  ) {
    paths.add(buildScriptOutDir);
  }
  return paths;
}

/** Files a command line names under scripts/ (`node scripts/node-runtime.mjs setup` → that file). */
function scriptFiles(command: string): string[] {
  return [...command.matchAll(/\bscripts\/[\w.-]+\.m?[jt]s\b/g)].map((match) => match[0]);
}

/** Docker's rule: the last .dockerignore pattern matching a path or one of its parents decides. */
function ignoredByDockerignore(path: string): string | undefined {
  const patterns = read(".dockerignore")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const segments = path.split("/");
  for (let length = 1; length <= segments.length; length++) {
    const prefix = segments.slice(0, length).join("/");
    let verdict: string | undefined;
    for (const pattern of patterns) {
      const negated = pattern.startsWith("!");
      const glob = (negated ? pattern.slice(1) : pattern).replace(/^\/+/, "");
      if (minimatch(prefix, glob, { dot: true })) verdict = negated ? undefined : pattern;
    }
    if (verdict) return verdict;
  }
  return undefined;
}

describe("Dockerfile", () => {
  it("builds in a separate stage from the same slim Node 24 base as the final image", () => {
    expect(buildStages.length).toBeGreaterThanOrEqual(1);
    for (const stage of dockerfile.stages) expect(stage.image).toBe("node:24-bookworm-slim");
    // The image's Node is the floor package.json's engines declares.
    expect(packageJson.engines.node).toBe(">=24");
    expect(runCommands(buildStages[0] as Stage)).toMatch(
      /apt-get install[^\n]*\bpython3\b[^\n]*\bmake\b[^\n]*\bg\+\+/,
    );
    expect(runCommands(finalStage)).not.toMatch(/\bg\+\+|build-essential/);
  });

  it("copies from the build context only paths that exist in the repository", () => {
    for (const stage of dockerfile.stages) {
      for (const copy of copies(stage).filter((entry) => !entry.flags.from)) {
        for (const source of copy.sources) {
          expect(
            existsSync(`${root}/${source}`),
            `${where(copy.instruction)}: ${source} does not exist`,
          ).toBe(true);
        }
      }
    }
  });

  it("copies nothing that .dockerignore leaves out of the build context", () => {
    for (const stage of dockerfile.stages) {
      for (const copy of copies(stage).filter((entry) => !entry.flags.from)) {
        for (const source of copy.sources) {
          const path = posix.normalize(source).replace(/\/$/, "");
          expect(
            ignoredByDockerignore(path),
            `${where(copy.instruction)}: ${source} is in .dockerignore`,
          ).toBe(undefined);
        }
      }
    }
  });

  it("copies from a build stage only what that stage copied in or built", () => {
    const fromStages = copies(finalStage).filter((entry) => entry.flags.from);
    expect(fromStages.length).toBeGreaterThan(0);
    for (const copy of fromStages) {
      const stage = stageNamed(copy.flags.from as string);
      expect(stage, `${where(copy.instruction)}: no stage ${copy.flags.from}`).toBeDefined();
      const available = pathsIn(stage as Stage);
      for (const source of copy.sources) {
        const top = relativeTo(workdir(stage as Stage), source).split("/")[0] as string;
        expect(available, `${where(copy.instruction)}: ${source} is neither copied in nor built`).toContain(
          top,
        );
      }
    }
  });

  it("calls only npm scripts that package.json defines, and only binaries that are installed", () => {
    for (const stage of dockerfile.stages) {
      const run = runCommands(stage);
      for (const [, script] of run.matchAll(/\bnpm run(?:-script)? ([\w:.-]+)/g)) {
        expect(Object.keys(packageJson.scripts), `npm run ${script}`).toContain(script);
      }
      for (const [, bin] of run.matchAll(/\bnpx (?:--no(?:-install)? )?([\w@./-]+)/g)) {
        expect(existsSync(`${root}/node_modules/.bin/${bin}`), `npx ${bin} is not a local binary`).toBe(true);
      }
    }
  });

  it("builds dist/ with the script npm run build and npm start use, and no copy step of its own", () => {
    expect(buildScriptOutDir).toBe(buildConfig.compilerOptions.outDir);
    expect(packageJson.scripts.build).toMatch(/\bnpm run build:bridge\b/);
    expect(packageJson.scripts["build:bridge"]).toBe("node scripts/build-bridge.mjs");
    expect(packageJson.scripts.start).toMatch(
      /\bnode scripts\/build-bridge\.mjs --if-changed && ([A-Z_]+=\S+ )*node (--\S+ )*dist\/bridge\/main\.js$/,
    );
    const build = runCommands(buildStages.at(-1) as Stage);
    expect(build).toMatch(/\bnpm run build:bridge\b/);
    // tsc and the copying of migrations and assets belong to the script, not to the Dockerfile.
    expect(build).not.toMatch(/\btsc\b|\bcp\b|\bfind\b|\brsync\b/);
  });

  it("gives the build stage every file the build script reads", () => {
    const build = pathsIn(buildStages.at(-1) as Stage);
    const needed = [...buildConfig.include.map((glob) => glob.split("/")[0] as string)];
    if (buildConfig.extends) needed.push(posix.normalize(buildConfig.extends));
    needed.push("tsconfig.build.json", "package.json", "package-lock.json", "bridge", "schemas");
    for (const path of needed) expect(build, `the build stage lacks ${path}`).toContain(path);
    const copied = copies(buildStages.at(-1) as Stage).flatMap((copy) => copy.sources);
    expect(copied).toContain("scripts/build-bridge.mjs");
  });

  it("copies the scripts npm ci runs (postinstall) before it runs npm ci", () => {
    const stage = buildStages.at(-1) as Stage;
    const npmCi = instructions(stage, "RUN").find((instruction) => /\bnpm ci\b/.test(instruction.args));
    expect(npmCi, "the build stage does not run npm ci").toBeDefined();
    const copiedBefore = copies(stage)
      .filter((copy) => copy.instruction.line < (npmCi as Instruction).line)
      .flatMap((copy) => copy.sources);
    const lifecycle = ["preinstall", "install", "postinstall", "prepare"].map(
      (event) => packageJson.scripts[event] ?? "",
    );
    const needed = lifecycle.flatMap(scriptFiles);
    expect(needed).toContain("scripts/node-runtime.mjs");
    for (const file of needed) expect(copiedBefore, `${file} is copied after npm ci runs it`).toContain(file);
  });

  it("keeps only production dependencies in the image", () => {
    const build = runCommands(buildStages.at(-1) as Stage);
    expect(build).toMatch(/npm prune --omit=dev/);
    const tscAt = build.search(/\btsc\b|npm run build/);
    expect(tscAt).toBeGreaterThanOrEqual(0);
    expect(build.indexOf("npm prune")).toBeGreaterThan(tscAt);
  });

  it("ships package.json so Node loads the compiled dist/ as ES modules", () => {
    expect(packageJson.type).toBe("module");
    const copied = copies(finalStage).flatMap((copy) => (copy.flags.from ? [] : copy.sources));
    expect(copied).toContain("package.json");
  });

  it("runs as a non-root user created in the image", () => {
    const user = instructions(finalStage, "USER").at(-1);
    expect(user, "the final stage has no USER").toBeDefined();
    const [name = "", group] = (user as Instruction).args.split(":");
    expect(["root", "0"]).not.toContain(name);
    expect(group === undefined || !["root", "0"].includes(group)).toBe(true);
    const run = runCommands(finalStage);
    if (/^\d+$/.test(name)) expect(run).toMatch(new RegExp(`useradd\\b[^\\n]*--uid ${name}\\b`));
    else expect(run).toMatch(new RegExp(`useradd\\b[^\\n]*\\b${name}\\b`));
  });

  it("listens on all interfaces at the exposed PORT", () => {
    expect(env.HOST).toBe("0.0.0.0");
    expect(env.PORT).toMatch(/^\d+$/);
    const exposed = instructions(finalStage, "EXPOSE").flatMap((instruction) => words(instruction.args));
    expect(exposed.map((port) => port.replace(/\/tcp$/, ""))).toContain(env.PORT);
  });

  it("checks health on /healthz with node's fetch, at PORT", () => {
    const healthcheck = instructions(finalStage, "HEALTHCHECK").at(-1);
    expect(healthcheck, "the final stage has no HEALTHCHECK").toBeDefined();
    const args = (healthcheck as Instruction).args;
    const command = words(args.slice(args.indexOf("CMD") + 3).trim());
    expect(command[0]).toBe("node");
    const script = command.join(" ");
    expect(script).toContain("fetch(");
    expect(script).toContain("/healthz");
    expect(script).toMatch(new RegExp(`process\\.env\\.PORT|:${env.PORT}\\b`));
    expect(script).not.toMatch(/\bcurl\b|\bwget\b/);
  });

  it("keeps the SQLite file in a declared volume owned by the runtime user", () => {
    const volumes = instructions(finalStage, "VOLUME").flatMap((instruction) => words(instruction.args));
    expect(volumes.length).toBeGreaterThan(0);
    const dbDir = posix.dirname(env.RUNBRIDGE_DB ?? "");
    expect(volumes).toContain(dbDir);
    expect(runCommands(finalStage)).toMatch(new RegExp(`chown [^\\n]*${dbDir}\\b`));
  });

  it("bakes the runbooks in where RUNBRIDGE_RUNBOOKS points", () => {
    const dir = workdir(finalStage);
    const runbooks = copies(finalStage).find((copy) => !copy.flags.from && copy.sources.includes("runbooks"));
    expect(runbooks, "the final stage does not COPY runbooks").toBeDefined();
    expect(posix.resolve(dir, runbooks?.destination ?? "")).toBe(env.RUNBRIDGE_RUNBOOKS);
    expect(env.NODE_ENV).toBe("production");
  });

  const cmd = words(instructions(finalStage, "CMD").at(-1)?.args ?? "[]");
  const compiled = cmd.at(-1) ?? "";
  // bridge/main.ts is the composition root's source; it must be among the files tsc compiles.
  const source = posix.relative(buildConfig.compilerOptions.outDir, compiled).replace(/\.js$/, ".ts");

  it("starts the compiled composition root, which tsconfig.build.json compiles", () => {
    expect(cmd).toEqual(["node", ...BRIDGE_NODE_FLAGS, "dist/bridge/main.js"]);
    expect(buildConfig.compilerOptions.rootDir ?? ".").toBe(".");
    expect(buildConfig.include.some((glob) => minimatch(source, glob) || source.startsWith(`${glob}/`))).toBe(
      true,
    );
  });

  it("runs the bridge with the same Node flags as npm start (scripts/bridge-node-flags.mjs)", () => {
    const start = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts.start;
    const environment = Object.entries(BRIDGE_ENV)
      .map(([name, value]) => `${name}=${value}`)
      .join(" ");
    expect(start).toMatch(
      new RegExp(`&& ${environment} node ${BRIDGE_NODE_FLAGS.join(" ")} dist/bridge/main\\.js$`),
    );
  });

  it("runs the bridge with the same environment as npm start (BRIDGE_ENV)", () => {
    expect(env).toMatchObject(BRIDGE_ENV);
  });
});
