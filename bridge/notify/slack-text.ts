/**
 * @module
 * A `Message` as the text of a Slack-compatible incoming webhook (`{"text": ...}`; Slack,
 * Mattermost and Rocket.Chat read it as mrkdwn). Alert text is untrusted: unescaped, a label
 * value such as `<!channel>` pings a whole channel and `<https://evil|docs>` forges a link.
 *
 * @example
 *   await fetch(url, { method: "POST", body: JSON.stringify({ text: slackText(message) }) });
 */
import type { Message } from "./message.js";

/**
 * Escapes text for Slack's mrkdwn: `&`, `<` and `>` are the only characters Slack asks
 * senders to escape; `<` and `>` open its control sequences (mentions, links).
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function slackText(message: Message): string {
  const lines = [`*Runbridge:* ${escapeSlack(message.headline)}`, ...message.details.map(escapeSlack)];
  if (message.alertBlock !== undefined) {
    // ``` inside the block would end it early and let the rest render as mrkdwn.
    lines.push(`\`\`\`${escapeSlack(message.alertBlock.replaceAll("```", "'''"))}\`\`\``);
  }
  return lines.join("\n");
}
