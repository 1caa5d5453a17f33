import { describe, expect, it } from "vitest";
import { checkRunbookVersion } from "./execution.js";

const HASH = "a".repeat(64);

describe("checkRunbookVersion", () => {
  it("accepts a commit sha, which the workflow already checked out", () => {
    expect(() =>
      checkRunbookVersion("0123456789abcdef0123456789abcdef01234567", HASH, "runbooks/x.yml"),
    ).not.toThrow();
  });

  it("accepts no version at all (a manual run)", () => {
    expect(() => checkRunbookVersion("", HASH, "runbooks/x.yml")).not.toThrow();
  });

  it("accepts the content hash the bridge decided with", () => {
    expect(() => checkRunbookVersion(`sha256:${HASH}`, HASH, "runbooks/x.yml")).not.toThrow();
  });

  it("stops when the runbook changed since the bridge decided", () => {
    expect(() => checkRunbookVersion(`sha256:${"b".repeat(64)}`, HASH, "runbooks/x.yml")).toThrow(
      /runbooks\/x.yml changed since the bridge decided .*dispatch again/,
    );
  });
});
