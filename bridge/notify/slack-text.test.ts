import { describe, expect, it } from "vitest";
import { escapeSlack, slackText } from "./slack-text.js";

describe("escapeSlack", () => {
  it.each([
    ["plain text", "plain text"],
    ["<!channel> @here", "&lt;!channel&gt; @here"],
    ["<https://evil.example|docs>", "&lt;https://evil.example|docs&gt;"],
    ["a & b", "a &amp; b"],
    // Escaping & first keeps an already escaped entity visible as written, not decoded.
    ["&lt;", "&amp;lt;"],
  ])("%j → %j", (text, escaped) => {
    expect(escapeSlack(text)).toBe(escaped);
  });
});

describe("slackText", () => {
  it("escapes the headline, every detail and the alert block", () => {
    const text = slackText({
      headline: "web <!channel> on web-1: remediated",
      details: ["Execution e1 · severity <b>", "Run: https://github.com/a/b/actions/runs/1?x=1&y=2"],
      alertBlock: '{ "summary": "<@U123> & co" }',
    });
    expect(text).toBe(
      [
        "*Runbridge:* web &lt;!channel&gt; on web-1: remediated",
        "Execution e1 · severity &lt;b&gt;",
        "Run: https://github.com/a/b/actions/runs/1?x=1&amp;y=2",
        '```{ "summary": "&lt;@U123&gt; &amp; co" }```',
      ].join("\n"),
    );
  });

  it("keeps the alert inside its code block even when it contains ```", () => {
    const text = slackText({ headline: "h", details: [], alertBlock: "a ``` *bold* ```" });
    expect(text).toBe("*Runbridge:* h\n```a ''' *bold* '''```");
  });

  it("leaves the code block out when the message has no alert", () => {
    expect(slackText({ headline: "h", details: ["d"] })).toBe("*Runbridge:* h\nd");
  });
});
