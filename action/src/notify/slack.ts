/**
 * @module
 * Posts to a Slack-compatible incoming webhook from the runner; the text is bridge/notify's.
 */
import type { Message } from "../../../bridge/notify/message.js";
import { slackText } from "../../../bridge/notify/slack-text.js";

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
