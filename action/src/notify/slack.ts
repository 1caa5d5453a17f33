/**
 * @module
 * Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat accept `{"text": ...}`).
 */
import type { Message } from "./message.js";

/** Slack's mrkdwn needs only these three escaped. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function slackText(message: Message): string {
  const block = escapeSlack(message.alertBlock.replaceAll("```", "'''"));
  return [
    `*Runbridge:* ${escapeSlack(message.headline)}`,
    ...message.details.map(escapeSlack),
    `\`\`\`${block}\`\`\``,
  ].join("\n");
}

/**
 * Posts the message.
 * @param secretName the secret that holds the URL, named in errors instead of the URL
 * @throws Error with the status when the webhook refuses it
 */
export async function postSlack(url: string, message: Message, secretName: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: slackText(message) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new Error(`Slack webhook from secret ${secretName} unreachable: ${(error as Error).message}`);
  }
  await response.body?.cancel();
  if (!response.ok) {
    throw new Error(
      `Slack webhook from secret ${secretName} answered HTTP ${response.status}; check that the secret holds an incoming-webhook URL`,
    );
  }
}
