/**
 * @module The "github.com" side of the GitHub App manifest flow, on loopback: the page a
 * manifest form posts to (`/settings/apps/new`, or `/organizations/<org>/settings/apps/new`),
 * which records the manifest in the emulator's state and redirects to the manifest's
 * `redirect_url` with a one-time `code` and the `state` it was given — what GitHub does once
 * the user has named the App. The emulator's `POST /app-manifests/{code}/conversions` then
 * turns the code into the App's credentials.
 *
 * Like GitHub, it refuses a manifest without `url`, with an unknown access level, or
 * subscribing to an event whose permission the manifest does not ask for.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { GitHubEmulator } from "./index.js";

/** The permission each event needs (GitHub's "Permissions & events" page). */
const EVENT_PERMISSION: Record<string, string> = {
  workflow_run: "actions",
  workflow_job: "actions",
  deployment_protection_rule: "deployments",
  push: "contents",
  issue_comment: "issues",
  issues: "issues",
  pull_request: "pull_requests",
  deployment: "deployments",
  deployment_status: "deployments",
};

export interface ManifestPage {
  /** `http://127.0.0.1:<port>`: pass as the command's `--github-url`. */
  url: string;
  /** Every manifest posted, accepted or not, with where it was posted. */
  submissions: { path: string; state: string | null; manifest: unknown; status: number }[];
  close(): Promise<void>;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", reject);
  });
}

/** What GitHub would refuse in this manifest, or null. */
function manifestProblem(manifest: unknown): string | null {
  if (typeof manifest !== "object" || manifest === null) return "the manifest is not a JSON object";
  const m = manifest as Record<string, unknown>;
  if (typeof m.url !== "string" || m.url === "") return "url is required";
  const permissions = (m.default_permissions ?? {}) as Record<string, unknown>;
  for (const [name, access] of Object.entries(permissions)) {
    if (access !== "read" && access !== "write")
      return `default_permissions.${name}: "${access}" is not read or write`;
  }
  for (const event of (m.default_events ?? []) as unknown[]) {
    const needed = EVENT_PERMISSION[String(event)];
    if (!needed) return `default_events: unknown event "${event}"`;
    if (!permissions[needed]) return `default_events: ${event} needs the ${needed} permission`;
  }
  return null;
}

/**
 * Starts the page on 127.0.0.1.
 * @param emulator the emulator whose state receives the manifests
 * @param login the user who "is signed in" and owns Apps created outside an organization
 */
export async function startManifestPage(emulator: GitHubEmulator, login = "octocat"): Promise<ManifestPage> {
  const submissions: ManifestPage["submissions"] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://github.invalid");
    const match = /^(?:\/organizations\/([^/]+))?\/settings\/apps\/new$/.exec(url.pathname);
    if (req.method !== "POST" || !match) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
      return;
    }
    const state = url.searchParams.get("state");
    readForm(req).then(
      (form) => {
        let manifest: unknown;
        try {
          manifest = JSON.parse(form.get("manifest") ?? "");
        } catch {
          manifest = undefined;
        }
        const problem = manifestProblem(manifest);
        const redirect = (manifest as { redirect_url?: unknown } | undefined)?.redirect_url;
        const status = problem || typeof redirect !== "string" ? 422 : 302;
        submissions.push({ path: url.pathname, state, manifest, status });
        if (status === 422) {
          res.writeHead(422, { "content-type": "text/plain" }).end(problem ?? "redirect_url is required");
          return;
        }
        const code = emulator.state.submitManifest(
          manifest as Record<string, unknown>,
          match[1] ?? login,
          new Date(),
        );
        const back = new URL(redirect as string);
        back.searchParams.set("code", code);
        if (state !== null) back.searchParams.set("state", state);
        res.writeHead(302, { location: back.toString() }).end();
      },
      () => res.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    submissions,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
