/**
 * @module
 * Whose event is this? A webhook secret can be shared by every repository of an
 * organisation webhook or a GitHub App installed on several repositories, so a signed
 * event proves only that GitHub sent it — not that it concerns the bridge's repository.
 * Events about another repository (or another installation of the App) must not finish,
 * fail or relink executions, nor answer approval gates. Pure.
 */

export interface ExpectedOrigin {
  /** GITHUB_REPOSITORY; without it the bridge dispatches nothing and has nothing to compare. */
  repository?: { owner: string; repo: string };
  /** The GitHub App installation the bridge acts as, when it is an App. */
  installationId?: number;
}

interface EventOrigin {
  repository?: { full_name?: unknown } | null;
  installation?: { id?: unknown } | null;
}

/**
 * @returns why the event is someone else's, or undefined when it is the bridge's own
 */
export function foreignEventReason(payload: unknown, expected: ExpectedOrigin): string | undefined {
  if (!expected.repository) return undefined;
  const origin = (typeof payload === "object" && payload !== null ? payload : {}) as EventOrigin;
  const own = `${expected.repository.owner}/${expected.repository.repo}`;
  const fullName = origin.repository?.full_name;
  if (typeof fullName !== "string") return `it names no repository (expected ${own})`;
  // GitHub's owner and repository names are case-insensitive.
  if (fullName.toLowerCase() !== own.toLowerCase()) return `it is about ${fullName}, not ${own}`;
  const installation = origin.installation?.id;
  if (
    expected.installationId !== undefined &&
    installation !== undefined &&
    installation !== expected.installationId
  ) {
    return `it comes from App installation ${String(installation)}, not ${expected.installationId}`;
  }
  return undefined;
}
