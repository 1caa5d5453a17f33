/**
 * @module
 * Writes the credentials of a new GitHub App as the bridge's environment variables, in a file
 * only its owner can read (mode 0600, created exclusively so an existing file is never
 * replaced by accident). Values are single-quoted, as a shell (`set -a; . file`), systemd's
 * `EnvironmentFile=` and Compose's `env_file:` read them; the private key keeps its line
 * breaks as `\n`, which the bridge's GITHUB_APP_PRIVATE_KEY accepts.
 */
import { chmodSync, writeFileSync } from "node:fs";

export interface AppCredentials {
  id: number;
  slug: string;
  name: string;
  htmlUrl: string;
  clientId: string;
  clientSecret: string;
  webhookSecret: string | null;
  pem: string;
}

/** The variables the bridge reads (bridge/config.ts), in the order they are printed. */
export const BRIDGE_APP_VARIABLES = [
  "GITHUB_APP_ID",
  "GITHUB_APP_PRIVATE_KEY",
  "GITHUB_WEBHOOK_SECRET",
] as const;

function quote(value: string): string {
  // Single quotes protect everything but a single quote, which none of these values hold.
  if (value.includes("'") || value.includes("\n"))
    throw new Error("credential value cannot be quoted safely");
  return `'${value}'`;
}

/** The file's text. */
export function credentialsText(app: AppCredentials): string {
  return [
    `# GitHub App "${app.name}" (${app.htmlUrl}), created by runbridge app create.`,
    "# Secrets: keep this file mode 0600 and out of Git. Install the App on the remediation",
    "# repository, then add GITHUB_APP_INSTALLATION_ID (from the installation's URL) and GITHUB_REPOSITORY.",
    `GITHUB_APP_ID=${app.id}`,
    `GITHUB_APP_PRIVATE_KEY=${quote(app.pem.trimEnd().replaceAll("\n", "\\n"))}`,
    `GITHUB_WEBHOOK_SECRET=${quote(app.webhookSecret ?? "")}`,
    "# Not read by the bridge; kept for the App's OAuth settings.",
    `GITHUB_APP_CLIENT_ID=${quote(app.clientId)}`,
    `GITHUB_APP_CLIENT_SECRET=${quote(app.clientSecret)}`,
    "",
  ].join("\n");
}

/**
 * Writes the file with mode 0600.
 * @throws the `EEXIST` error when the file exists (checked earlier unless `overwrite`)
 */
export function writeCredentials(path: string, app: AppCredentials, overwrite: boolean): void {
  writeFileSync(path, credentialsText(app), { mode: 0o600, flag: overwrite ? "w" : "wx" });
  // An overwritten file keeps its old mode, and the umask can only narrow: make sure.
  chmodSync(path, 0o600);
}
