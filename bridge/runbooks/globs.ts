/**
 * @module
 * Glob matchers for alert names, label values and targets (minimatch syntax).
 * A list matches when any positive glob matches and no `!`-negated glob does; a list of
 * negations alone matches everything they do not exclude. A missing label is "" as in PromQL.
 */
import { type MinimatchOptions, makeRe, minimatch } from "minimatch";
import type { Globs } from "./runbook.types.js";

export type ValueMatcher = (value: string | undefined) => boolean;

const OPTIONS: MinimatchOptions = { dot: true, nonegate: true, nocomment: true };

export function globList(globs: Globs): string[] {
  return typeof globs === "string" ? [globs] : [...globs];
}

/** True when the glob has no special characters, so it can be compared as a string. */
export function isLiteral(glob: string): boolean {
  return !/[*?[\]{}()!+@\\]/.test(glob);
}

/** Checks that every glob compiles; returns a message for the first one that does not. */
export function checkGlobs(globs: Globs): string | undefined {
  for (const glob of globList(globs)) {
    const body = glob.startsWith("!") ? glob.slice(1) : glob;
    if (body.length === 0) return `"${glob}" is not a glob: nothing follows the "!"`;
    const regex = makeRe(body, OPTIONS);
    if (regex === false) return `"${glob}" is not a valid glob`;
    // minimatch compiles a character class that can match nothing (e.g. [z-a]) to "$.": a glob that never matches.
    if (regex.source.includes("$."))
      return `"${glob}" can never match: its [...] class is empty (write [a-z], not [z-a])`;
  }
  return undefined;
}

/** Compiles a glob list into a matcher; literal globs compare as strings (the common case). */
export function compileGlobs(globs: Globs): ValueMatcher {
  const positive: ValueMatcher[] = [];
  const negative: ValueMatcher[] = [];
  for (const glob of globList(globs)) {
    const negated = glob.startsWith("!");
    const body = negated ? glob.slice(1) : glob;
    (negated ? negative : positive).push(single(body));
  }
  return (value) => {
    const text = value ?? "";
    if (negative.some((match) => match(text))) return false;
    return positive.length === 0 || positive.some((match) => match(text));
  };
}

function single(glob: string): ValueMatcher {
  if (isLiteral(glob)) return (value) => value === glob;
  const regex = makeRe(glob, OPTIONS);
  if (regex === false) throw new Error(`"${glob}" is not a valid glob`);
  return (value) => regex.test(value ?? "");
}

/** Direct minimatch use for one-off checks (CLI, examples). */
export function matchesGlob(value: string, glob: string): boolean {
  return minimatch(value, glob, OPTIONS);
}
