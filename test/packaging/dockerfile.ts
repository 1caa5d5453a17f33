/**
 * @module
 * A small Dockerfile reader for tests (no Docker engine runs here): instructions with
 * line continuations joined and comments dropped, grouped into stages, with `ARG`
 * defaults substituted into `FROM`, and helpers for COPY, ENV and exec-form arguments.
 */

export interface Instruction {
  keyword: string;
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface Stage {
  index: number;
  name?: string;
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export interface CopyInstruction {
  flags: Record<string, string>;
  sources: string[];
  destination: string;
}

function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let current: { text: string; line: number } | undefined;
  text.split("\n").forEach((raw, index) => {
    const trimmed = raw.trim();
    // Comment lines are dropped, also inside a continued instruction.
    if (trimmed.startsWith("#")) return;
    if (!current) {
      if (trimmed === "") return;
      current = { text: "", line: index + 1 };
    }
    const continued = trimmed.endsWith("\\");
    current.text += `${continued ? trimmed.slice(0, -1) : trimmed} `;
    if (!continued) {
      out.push({ text: current.text.trim(), line: current.line });
      current = undefined;
    }
  });
  if (current) out.push({ text: current.text.trim(), line: current.line });
  return out;
}

function substitute(text: string, values: Record<string, string>): string {
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (whole, braced: string, bare: string) => values[braced ?? bare] ?? whole,
  );
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const { text: line, line: number } of logicalLines(text)) {
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? "" : line.slice(space + 1).trim();
    if (keyword === "FROM") {
      const [image = "", as, name] = substitute(args, globalArgs).split(/\s+/);
      stages.push({
        index: stages.length,
        image,
        ...(as?.toUpperCase() === "AS" && name && { name }),
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (keyword === "ARG") {
        const [name = "", value = ""] = args.split("=", 2);
        globalArgs[name] = value;
      }
    } else {
      stages[stages.length - 1]?.instructions.push({ keyword, args, line: number });
    }
  }
  return { globalArgs, stages };
}

/** Arguments of an instruction in exec form (`["a","b"]`) or shell form (split on spaces). */
export function words(args: string): string[] {
  return args.startsWith("[") ? (JSON.parse(args) as string[]) : args.split(/\s+/).filter(Boolean);
}

export function parseCopy(args: string): CopyInstruction {
  const flags: Record<string, string> = {};
  let rest = args;
  for (
    let flag = /^--([\w-]+)(?:=(\S+))?\s+/.exec(rest);
    flag;
    flag = /^--([\w-]+)(?:=(\S+))?\s+/.exec(rest)
  ) {
    flags[flag[1] as string] = flag[2] ?? "true";
    rest = rest.slice(flag[0].length);
  }
  const paths = words(rest);
  const destination = paths.pop() ?? "";
  return { flags, sources: paths, destination };
}

/** `ENV A=1 B=2` (or the legacy `ENV A 1`) as a record. */
export function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (!args.includes("=")) {
    const [name = "", ...value] = args.split(/\s+/);
    env[name] = value.join(" ");
    return env;
  }
  for (const [, name, quoted, bare] of args.matchAll(/(\w+)=(?:"([^"]*)"|(\S*))/g)) {
    env[name as string] = quoted ?? bare ?? "";
  }
  return env;
}

export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The stage's working directory at the end (the last WORKDIR; `/` without one). */
export function workdir(stage: Stage): string {
  return instructions(stage, "WORKDIR").at(-1)?.args ?? "/";
}
