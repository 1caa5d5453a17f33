import { describe, expect, it } from "vitest";
import {
  createEnvironmentProtection,
  type EnvironmentInfo,
  judgeProtection,
} from "./environment-protection.js";

const reviewed: EnvironmentInfo = {
  name: "remediation-production",
  reviewers: [{ type: "Team", name: "sre" }],
  canAdminsBypass: false,
};

describe("judgeProtection", () => {
  it.each([
    ["no environment named", undefined, undefined, false, "names no environment"],
    ["an environment GitHub does not know", "remediation-production", undefined, false, "does not exist"],
    [
      "an environment without required reviewers",
      "remediation-production",
      { ...reviewed, reviewers: [] },
      false,
      "has no required reviewers (on GitHub Free, Pro and Team they exist for public repositories only)",
    ],
    [
      "an environment with required reviewers",
      "remediation-production",
      reviewed,
      true,
      "requires a review by sre",
    ],
  ])("%s", (_, environment, info, holds, why) => {
    const verdict = judgeProtection(environment, info);
    expect(verdict.holds).toBe(holds);
    expect(verdict.why).toContain(why);
  });

  it("says when administrators may bypass the reviewers", () => {
    expect(judgeProtection("prod", { ...reviewed, canAdminsBypass: true }).why).toContain(
      "(administrators may bypass)",
    );
  });
});

describe("createEnvironmentProtection", () => {
  function counted(answers: (EnvironmentInfo | undefined)[]) {
    const clock = { now: 0 };
    const reads: string[] = [];
    const protection = createEnvironmentProtection({
      read: async (name) => {
        reads.push(name);
        return answers.shift();
      },
      ttlMs: 300_000,
      now: () => clock.now,
    });
    return { protection, reads, clock };
  }

  it("asks GitHub once within the cache's lifetime, and again after it", async () => {
    const { protection, reads, clock } = counted([reviewed, { ...reviewed, reviewers: [] }]);
    expect((await protection.check("prod")).holds).toBe(true);
    clock.now = 299_999;
    expect((await protection.check("prod")).holds).toBe(true);
    expect(reads).toEqual(["prod"]);
    clock.now = 300_000;
    expect((await protection.check("prod")).holds).toBe(false);
    expect(reads).toEqual(["prod", "prod"]);
  });

  it("asks again at once after forget (GitHub showed the environment changed)", async () => {
    const { protection, reads } = counted([undefined, reviewed]);
    expect((await protection.check("prod")).holds).toBe(false);
    protection.forget("prod");
    expect((await protection.check("prod")).holds).toBe(true);
    expect(reads).toHaveLength(2);
  });

  it("caches no failure: a read that throws is asked again next time", async () => {
    let calls = 0;
    const protection = createEnvironmentProtection({
      read: async () => {
        calls += 1;
        if (calls === 1) throw new Error("GitHub 502");
        return reviewed;
      },
      ttlMs: 300_000,
    });
    await expect(protection.check("prod")).rejects.toThrow("GitHub 502");
    expect((await protection.check("prod")).holds).toBe(true);
  });

  it("knows the last verdict read without asking GitHub, however old; nothing before the first read or after forget", async () => {
    const { protection, reads, clock } = counted([{ ...reviewed, reviewers: [] }]);
    expect(protection.known("prod")).toBeUndefined();
    await protection.check("prod");
    clock.now = 10 * 300_000;
    expect(protection.known("prod")).toMatchObject({ holds: false, finding: "no_reviewers" });
    expect(reads).toEqual(["prod"]);
    protection.forget("prod");
    expect(protection.known("prod")).toBeUndefined();
    expect(protection.known(undefined)).toMatchObject({ holds: false, finding: "no_environment" });
  });
});
