import { describe, expect, it } from "vitest";
import { checkGlobs, compileGlobs, isLiteral, matchesGlob } from "./globs.js";
import type { Globs } from "./runbook.types.js";

describe("compileGlobs", () => {
  const cases: [what: string, globs: Globs, value: string | undefined, matches: boolean][] = [
    ["an exact name matches itself", "NginxDown", "NginxDown", true],
    ["an exact name is case-sensitive", "NginxDown", "nginxdown", false],
    ["an exact name does not match a longer one", "NginxDown", "NginxDownstream", false],
    ["a trailing star matches a prefix", "Nginx*", "NginxDown", true],
    ["a trailing star matches the prefix alone", "Nginx*", "Nginx", true],
    ["a leading star matches a suffix", "*Down", "ServiceDown", true],
    ["a leading star does not match another suffix", "*Down", "ServiceUp", false],
    ["? matches exactly one character", "web-?", "web-1", true],
    ["? does not match two characters", "web-?", "web-10", false],
    ["a character class matches its members", "web-[0-9]", "web-7", true],
    ["braces match their alternatives", "{Nginx,Apache}Down", "ApacheDown", true],
    ["an extglob matches its alternatives", "+(a|b)", "abba", true],
    ["a star matches a leading dot", "*", ".hidden", true],
    ["parentheses without extglob are literal", "api(v2)", "api(v2)", true],
    ["a list matches any of its entries", ["ServiceDown", "ApplicationDown"], "ApplicationDown", true],
    ["a list matches none of the others", ["ServiceDown", "ApplicationDown"], "HostDown", false],
    ["a negation in a list excludes", ["Kube*", "!KubeletDown"], "KubeletDown", false],
    ["a negation in a list keeps the rest", ["Kube*", "!KubeletDown"], "KubePodNotReady", true],
    ["a negation wins over a positive exact entry", ["prod", "!prod"], "prod", false],
    ["a negation-only list matches what it does not exclude", ["!staging", "!dev-*"], "prod", true],
    ["a negation-only list excludes its entries", ["!staging", "!dev-*"], "dev-eu", false],
    ["a single negated string behaves like a negation-only list", "!kube-system", "default", true],
    ["a missing label is the empty string: a negation accepts it", "!kube-system", undefined, true],
    ["a missing label does not match a literal", "critical", undefined, false],
    ["a missing label does not match a star: * means present and non-empty", "*", undefined, false],
    ["an empty value does not match a star", "*", "", false],
    ["a star stops at a slash (minimatch path semantics)", "*", "kube-system/coredns", false],
    ["a double star crosses slashes", "**", "kube-system/coredns", true],
  ];

  it.each(cases)("%s", (_, globs, value, matches) => {
    expect(compileGlobs(globs)(value)).toBe(matches);
  });

  it.each(cases)("agrees with minimatch for a single glob: %s", (_, globs, value, matches) => {
    if (typeof globs !== "string" || globs.startsWith("!")) return;
    expect(matchesGlob(value ?? "", globs)).toBe(matches);
  });
});

describe("isLiteral", () => {
  it.each([
    ["NginxDown", true],
    ["web-1.example.com:9113", true],
    ["Nginx*", false],
    ["web-?", false],
    ["[ab]", false],
    ["{a,b}", false],
    ["!prod", false],
    ["api(v2)", false],
  ])("%s is literal: %s", (glob, literal) => {
    expect(isLiteral(glob)).toBe(literal);
  });
});

describe("checkGlobs", () => {
  it.each<[Globs, string | undefined]>([
    ["NginxDown", undefined],
    [["Kube*", "!KubeletDown"], undefined],
    ["!", '"!" is not a glob: nothing follows the "!"'],
    [["ok", "!"], '"!" is not a glob: nothing follows the "!"'],
    ["web-[z-a]", '"web-[z-a]" can never match: its [...] class is empty (write [a-z], not [z-a])'],
    ["!web-[z-a]", '"!web-[z-a]" can never match: its [...] class is empty (write [a-z], not [z-a])'],
    ["cost-$.00", undefined],
  ])("checks %j", (globs, problem) => {
    expect(checkGlobs(globs)).toBe(problem);
  });
});
