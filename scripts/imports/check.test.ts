import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { checkImports, findCycles, formatViolation } from "./check.js";
import { buildImportGraph, type ImportEdge, importsOf } from "./graph.js";
import { type ImportRule, importRules } from "./rules.js";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../check-imports.ts", import.meta.url));

function edge(from: string, to: string, typeOnly = false): ImportEdge {
  return { from, to, specifier: `./${to.split("/").pop()?.replace(/\.ts$/, ".js")}`, typeOnly };
}

const chains = (edges: ImportEdge[], rules: readonly ImportRule[] = importRules) =>
  checkImports(edges, rules).map((violation) => `${violation.rule.name}: ${violation.chain.join(" -> ")}`);

describe("checkImports", () => {
  it("reports a guard that imports the store, naming the file, the import and the rule", () => {
    const violations = checkImports(
      [
        edge("bridge/guards/cooldown.ts", "bridge/runbooks/duration.ts"),
        edge("bridge/guards/cooldown.ts", "bridge/store/executions.ts"),
      ],
      importRules,
    );
    expect(violations).toHaveLength(1);
    expect(formatViolation(violations[0] as (typeof violations)[number])).toMatch(
      /^bridge\/guards\/cooldown\.ts -> bridge\/store\/executions\.ts\n {4}rule "pure verdicts": /,
    );
  });

  it("reports alerts/ and breakers/ reaching HTTP code", () => {
    expect(
      chains([
        edge("bridge/alerts/normalize.ts", "bridge/http/deps.ts", true),
        edge("bridge/breakers/next-state.ts", "bridge/http/app.ts"),
      ]),
    ).toEqual([
      "pure verdicts: bridge/alerts/normalize.ts -> bridge/http/deps.ts",
      "pure verdicts: bridge/breakers/next-state.ts -> bridge/http/app.ts",
    ]);
  });

  it("lets the store import the execution state table and nothing else of executions/", () => {
    expect(
      chains([
        edge("bridge/store/executions.ts", "bridge/executions/states.ts"),
        edge("bridge/store/executions.ts", "bridge/executions/transitions.ts"),
        edge("bridge/store/breakers.ts", "bridge/guards/circuit-breaker.ts"),
        edge("bridge/store/audit.ts", "bridge/store/schema.ts"),
      ]),
    ).toEqual([
      "the store knows SQL, not policy: bridge/store/executions.ts -> bridge/executions/transitions.ts",
      "the store knows SQL, not policy: bridge/store/breakers.ts -> bridge/guards/circuit-breaker.ts",
    ]);
  });

  it("lets only executions/ (and tests setting a scene) write execution rows", () => {
    expect(
      chains([
        edge("bridge/github/reconciler.ts", "bridge/store/execution-writes.ts"),
        edge("bridge/executions/run.ts", "bridge/store/execution-writes.ts"),
        edge("bridge/github/reconciler.test.ts", "bridge/store/execution-writes.ts"),
      ]),
    ).toEqual([
      "one owner of execution rows: bridge/github/reconciler.ts -> bridge/store/execution-writes.ts",
    ]);
  });

  it("follows the Action's imports through shared modules, and names a shared offender once", () => {
    const edges = [
      edge("action/src/runbook.ts", "bridge/runbooks/load.ts"),
      edge("action/src/main.ts", "bridge/runbooks/load.ts"),
      edge("bridge/runbooks/load.ts", "bridge/runbooks/duration.ts"),
      edge("bridge/runbooks/duration.ts", "bridge/store/settings.ts"),
      edge("action/src/steps/run.ts", "bridge/dispatch/payload.ts"),
    ];
    expect(chains(edges)).toEqual([
      "the Action carries no server: action/src/runbook.ts -> bridge/runbooks/load.ts -> bridge/runbooks/duration.ts -> bridge/store/settings.ts",
      "the Action carries no server: action/src/steps/run.ts -> bridge/dispatch/payload.ts",
    ]);
  });

  it("accepts the imports the parts are meant to make", () => {
    expect(
      chains([
        edge("bridge/http/api.ts", "bridge/store/audit.ts"),
        edge("bridge/decide/decide-webhook.ts", "bridge/guards/index.ts"),
        edge("action/src/runbook.ts", "bridge/runbooks/load.ts"),
        edge("bridge/runbooks/load.ts", "bridge/runbooks/schema.ts"),
        edge("bridge/guards/cooldown.ts", "bridge/runbooks/duration.ts"),
      ]),
    ).toEqual([]);
  });

  it("marks a violation type-only only when every import in its chain is", () => {
    const [direct, chained] = checkImports(
      [
        edge("bridge/store/guard-state.ts", "bridge/guards/types.ts", true),
        edge("action/src/a.ts", "bridge/runbooks/x.ts", true),
        edge("bridge/runbooks/x.ts", "bridge/store/y.ts"),
      ],
      importRules,
    );
    expect(direct?.typeOnly).toBe(true);
    expect(chained?.typeOnly).toBe(false);
  });
});

describe("findCycles", () => {
  it("finds two modules that import each other, and a longer loop", () => {
    expect(
      findCycles([
        edge("bench/report.ts", "bench/run.ts", true),
        edge("bench/run.ts", "bench/report.ts"),
        edge("bridge/a.ts", "bridge/b.ts"),
        edge("bridge/b.ts", "bridge/c.ts"),
        edge("bridge/c.ts", "bridge/a.ts"),
        edge("bridge/c.ts", "bridge/d.ts"),
      ]),
    ).toEqual([
      ["bench/report.ts", "bench/run.ts", "bench/report.ts"],
      ["bridge/a.ts", "bridge/b.ts", "bridge/c.ts", "bridge/a.ts"],
    ]);
  });

  it("finds none in a tree with shared leaves", () => {
    expect(
      findCycles([
        edge("bench/run.ts", "bench/samples.ts"),
        edge("bench/report.ts", "bench/samples.ts"),
        edge("bench/run.ts", "bench/report.ts"),
      ]),
    ).toEqual([]);
  });
});

describe("importsOf", () => {
  it("finds static, re-exported, dynamic and type imports, and tells which are erased", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type { B } from "./b.js";',
      'import { type C, type D } from "./c.js";',
      'import E, { type F } from "./e.js";',
      'export { g } from "./g.js";',
      'export type { H } from "./h.js";',
      'import "./side-effect.js";',
      'const lazy = await import("./lazy.js");',
      'let t: import("./t.js").T;',
      '// import { x } from "./commented-out.js";',
      "const s = \"import { y } from './in-a-string.js'\";",
    ].join("\n");
    expect(importsOf("x.ts", text)).toEqual([
      { specifier: "./a.js", typeOnly: false },
      { specifier: "./b.js", typeOnly: true },
      { specifier: "./c.js", typeOnly: true },
      { specifier: "./e.js", typeOnly: false },
      { specifier: "./g.js", typeOnly: false },
      { specifier: "./h.js", typeOnly: true },
      { specifier: "./side-effect.js", typeOnly: false },
      { specifier: "./lazy.js", typeOnly: false },
      { specifier: "./t.js", typeOnly: true },
    ]);
  });
});

describe("scripts/check-imports.ts", () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  function write(path: string, text: string): void {
    const file = join(root as string, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }

  it("exits 1 and lists the forbidden import of a repository that has one", async () => {
    root = mkdtempSync(join(tmpdir(), "check-imports-"));
    write("bridge/store/settings.ts", "export const on = true;\n");
    write(
      "bridge/guards/kill-switch.ts",
      'import { on } from "../store/settings.js";\nexport const k = on;\n',
    );
    write("action/src/main.ts", 'import "../../bridge/guards/kill-switch.js";\n');
    write("bench/run.ts", 'import "./report.js";\n');
    write("bench/report.ts", 'import "./run.js";\n');
    const failure = await run(process.execPath, ["--import", "tsx", script, root]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("bridge/guards/kill-switch.ts -> bridge/store/settings.ts");
    // The Action reaches the store only through the guard: the chain says so.
    expect(failure?.stderr).toContain(
      "action/src/main.ts -> bridge/guards/kill-switch.ts -> bridge/store/settings.ts",
    );
    expect(failure?.stderr).toContain("bench/report.ts -> bench/run.ts -> bench/report.ts");
  });

  it("exits 0 for a repository whose imports follow the rules", async () => {
    root = mkdtempSync(join(tmpdir(), "check-imports-"));
    write("bridge/store/settings.ts", "export const on = true;\n");
    write("bridge/http/api.ts", 'import { on } from "../store/settings.js";\nexport const k = on;\n');
    const { stdout } = await run(process.execPath, ["--import", "tsx", script, root]);
    expect(stdout).toContain("none forbidden");
  });
});

describe("buildImportGraph", () => {
  it("resolves ./x.js to the TypeScript source and keeps imports it cannot resolve", () => {
    const root = mkdtempSync(join(tmpdir(), "import-graph-"));
    try {
      mkdirSync(join(root, "bridge/store"), { recursive: true });
      writeFileSync(
        join(root, "bridge/store/a.ts"),
        'import "./b.js";\nimport "./gone.js";\nimport "pino";\n',
      );
      writeFileSync(join(root, "bridge/store/b.ts"), "export {};\n");
      expect(buildImportGraph(root, ["bridge"])).toEqual([
        { from: "bridge/store/a.ts", specifier: "./b.js", to: "bridge/store/b.ts", typeOnly: false },
        { from: "bridge/store/a.ts", specifier: "./gone.js", to: undefined, typeOnly: false },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
