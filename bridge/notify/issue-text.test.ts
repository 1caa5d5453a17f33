import { describe, expect, it } from "vitest";
import { issueText } from "./issue-text.js";

describe("issueText", () => {
  it("puts the headline in bold, then the details, then the alert in a JSON fence", () => {
    expect(issueText({ headline: "h", details: ["one", "two"], alertBlock: '{"a":1}' })).toBe(
      '**h**\n\none\n\ntwo\n\n````json\n{"a":1}\n````',
    );
  });

  it("keeps the alert inside its fence even when it contains ````", () => {
    expect(issueText({ headline: "h", details: [], alertBlock: "x ```` y" })).toBe(
      "**h**\n\n````json\nx ''' y\n````",
    );
  });

  it("is the headline and details alone when there is no alert", () => {
    expect(issueText({ headline: "h", details: ["Run: u"] })).toBe("**h**\n\nRun: u");
  });
});
