/**
 * @module
 * The GitHub App manifest `runbridge app create` submits: the least the bridge needs (see
 * docs/github-app.md for why each permission and event), its webhook pointed at the bridge's
 * `/webhook/github`, and the loopback page as the redirect that receives the one-time code.
 */

/**
 * Repository permissions: dispatch and read runs, answer protection rules, read runbooks, hold
 * approvals in issues, read the diagnostics job's summary annotation (checks) for failure notices.
 */
export const APP_PERMISSIONS = {
  actions: "write",
  checks: "read",
  deployments: "write",
  contents: "read",
  issues: "write",
  metadata: "read",
} as const;

/** The webhook events the bridge handles (bridge/github/handlers). */
export const APP_EVENTS = [
  "workflow_run",
  "workflow_job",
  "deployment_protection_rule",
  "push",
  "issue_comment",
] as const;

export interface AppManifest {
  name: string;
  url: string;
  description: string;
  hook_attributes: { url: string; active: boolean };
  redirect_url: string;
  public: boolean;
  default_permissions: Record<string, string>;
  default_events: string[];
}

/**
 * @param bridgeUrl the bridge's public URL (GitHub posts webhooks to `<bridgeUrl>/webhook/github`)
 * @param redirectUrl where GitHub sends the browser back with `?code=…&state=…`
 */
export function appManifest(name: string, bridgeUrl: string, redirectUrl: string): AppManifest {
  const base = bridgeUrl.endsWith("/") ? bridgeUrl : `${bridgeUrl}/`;
  return {
    name,
    url: bridgeUrl,
    description: "Runbridge: Alertmanager alerts to guarded, audited GitHub Actions remediation runs",
    hook_attributes: { url: new URL("webhook/github", base).toString(), active: true },
    redirect_url: redirectUrl,
    // Installable only by its owner: the App can dispatch remediation workflows.
    public: false,
    default_permissions: { ...APP_PERMISSIONS },
    default_events: [...APP_EVENTS],
  };
}

/** Where the manifest form posts: the user's App settings, or the organization's. */
export function manifestFormAction(githubUrl: string, org: string | undefined, state: string): string {
  const base = githubUrl.replace(/\/+$/, "");
  const path = org ? `/organizations/${encodeURIComponent(org)}/settings/apps/new` : "/settings/apps/new";
  return `${base}${path}?state=${encodeURIComponent(state)}`;
}
