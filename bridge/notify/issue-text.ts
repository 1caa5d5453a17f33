/**
 * @module
 * A `Message` as the Markdown of a GitHub issue or comment: the headline in bold, the details,
 * and the alert only inside a code fence, where Markdown, mentions and links stay inert.
 */
import type { Message } from "./message.js";

const FENCE = "````";

export function issueText(message: Message): string {
  const parts = [`**${message.headline}**`, message.details.join("\n\n")];
  if (message.alertBlock !== undefined) {
    parts.push(`${FENCE}json\n${message.alertBlock.replaceAll(FENCE, "'''")}\n${FENCE}`);
  }
  return parts.filter((part) => part !== "").join("\n\n");
}
