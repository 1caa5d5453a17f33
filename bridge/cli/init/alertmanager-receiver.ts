/**
 * @module
 * The Alertmanager receiver `runbridge init` writes: a `webhook_config` posting to the bridge's
 * `/webhook/alertmanager` with a bearer token, and resolved notifications on (the bridge records
 * them and may cancel a queued run). The token is 32 random bytes from the OS's CSPRNG; a
 * re-run reuses the token already written, so Alertmanager and the bridge keep agreeing.
 */
import { randomBytes } from "node:crypto";
import { parse, stringify } from "yaml";

/** The receiver's name in the snippet; the route that sends alerts to it uses it too. */
export const RECEIVER_NAME = "runbridge";

/** A fresh bearer token: 256 bits, base64url (no characters YAML or HTTP headers mind). */
export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The snippet: a `receivers:` list with the bridge's receiver, and a comment showing the route
 * to add. `amtool check-config` accepts it merged into an alertmanager.yml.
 * @param bridgeUrl where Alertmanager reaches the bridge, e.g. `https://runbridge.example.com`
 */
export function alertmanagerReceiver(bridgeUrl: string, token: string): string {
  const receivers = [
    {
      name: RECEIVER_NAME,
      webhook_configs: [
        {
          url: new URL(
            "webhook/alertmanager",
            bridgeUrl.endsWith("/") ? bridgeUrl : `${bridgeUrl}/`,
          ).toString(),
          send_resolved: true,
          max_alerts: 0,
          http_config: { authorization: { type: "Bearer", credentials: token } },
        },
      ],
    },
  ];
  return [
    "# Alertmanager receiver for the Runbridge bridge, written by `runbridge init`.",
    "# It holds the bridge's token (RUNBRIDGE_ALERTMANAGER_TOKEN): keep it out of Git.",
    "# Merge `receivers` into alertmanager.yml and route alerts to it, e.g.:",
    "#   route:",
    "#     routes:",
    `#       - receiver: ${RECEIVER_NAME}`,
    `#         matchers: ['severity=~"critical|warning"']`,
    "#         continue: true",
    stringify({ receivers }).trimEnd(),
    "",
  ].join("\n");
}

/** The token of a snippet written earlier, or undefined when there is none to reuse. */
export function tokenOfReceiver(text: string): string | undefined {
  try {
    const parsed = parse(text) as {
      receivers?: { webhook_configs?: { http_config?: { authorization?: { credentials?: unknown } } }[] }[];
    };
    const token = parsed?.receivers?.[0]?.webhook_configs?.[0]?.http_config?.authorization?.credentials;
    return typeof token === "string" && token !== "" ? token : undefined;
  } catch {
    return undefined;
  }
}
