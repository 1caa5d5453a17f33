import { describe, expect, it } from "vitest";
import { issueText } from "./issue-text.js";
import { alertValue } from "./message.js";

describe("alertValue", () => {
  it.each([
    ["a plain target", "web-1", "`web-1`"],
    ["a mention stays inside the code span", "@acme/everyone", "`@acme/everyone`"],
    [
      "a backtick cannot close the span early",
      "x` [docs](https://evil.example) `y",
      "`x' [docs](https://evil.example) 'y`",
    ],
    ["a newline cannot start a new Markdown block", "web-1\n# Approved", "`web-1 # Approved`"],
  ])("%s", (_case, value, shown) => {
    expect(alertValue(value)).toBe(shown);
  });

  it("keeps alert text inert in an issue's headline", () => {
    const text = issueText({
      headline: `nginx-down on ${alertValue("@acme/everyone [x](https://evil.example)")}`,
      details: [],
    });
    expect(text).toBe("**nginx-down on `@acme/everyone [x](https://evil.example)`**");
  });
});
