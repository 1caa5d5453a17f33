/**
 * @module
 * `runbridge app create`: registers the bridge's GitHub App through GitHub's manifest flow. A
 * page on loopback posts the manifest (least permissions, the bridge's events and webhook URL)
 * to GitHub with a random `state`; GitHub sends the browser back with a one-time code, which
 * is exchanged (`POST /app-manifests/{code}/conversions`) for the App's id, private key and
 * webhook secret, written to a file with mode 0600.
 *
 * @example
 * ```sh
 * runbridge app create --url https://runbridge.acme.example --org acme
 * ```
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { Octokit } from "@octokit/rest";
import { listen } from "../http/listen.js";
import { type AppCredentials, BRIDGE_APP_VARIABLES, writeCredentials } from "./app/credentials-file.js";
import { appManifest, manifestFormAction } from "./app/manifest.js";
import { manifestFlow } from "./app/manifest-flow.js";
import { parseCommandArgs } from "./args.js";
import { type CliContext, CliError, UsageError } from "./context.js";
import { excludeLocally, repositoryRoot } from "./init/repository.js";
import { urlOption } from "./url-option.js";

const DEFAULT_OUT = ".runbridge/github-app.env";

export const appUsage = `Usage: runbridge app create [options]

Registers the bridge's GitHub App from a manifest: open the page this prints, confirm on
GitHub, and the App's id, private key and webhook secret are written to a file (mode 0600)
as the bridge's GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_WEBHOOK_SECRET.
The App asks for actions: write, deployments: write, contents: read, issues: write,
metadata: read, and the events workflow_run, workflow_job, deployment_protection_rule,
push and issue_comment, delivered to <url>/webhook/github.

Options:
  --url <url>          the bridge's public URL (default: $RUNBRIDGE_PUBLIC_URL)
  --org <org>          create the App in this organization (default: your account)
  --name <name>        the App's name, unique on GitHub (default: Runbridge; editable on GitHub)
  --out <file>         where to write the credentials (default: ${DEFAULT_OUT}); never replaced without --force
  --force              replace an existing --out file
  --port <n>           loopback port of the page (default: any free port)
  --github-url <url>   GitHub's web address (default: https://github.com; GitHub Enterprise Server: its URL)
  --api-url <url>      GitHub's API (default: $GITHUB_API_URL, else https://api.github.com)
  -h, --help           show this help`;

/** Keeps the credentials file out of commits when it lands inside a Git clone (this clone only). */
function excludeIfInRepository(cwd: string, out: string): void {
  let root: string;
  try {
    root = repositoryRoot(cwd);
  } catch {
    return;
  }
  const path = relative(root, out);
  if (!path.startsWith(".."))
    excludeLocally(root, `/${path.split("/")[0]}${path.includes("/") ? "/" : ""}`, path);
}

async function exchangeCode(apiUrl: string, code: string): Promise<AppCredentials> {
  // The code is the credential: the conversion takes no token.
  const octokit = new Octokit({
    baseUrl: apiUrl,
    userAgent: "runbridge-app-create",
    request: { retries: 0 },
  });
  try {
    const { data } = await octokit.rest.apps.createFromManifest({ code });
    if (!data) throw new Error("GitHub answered without the App");
    return {
      id: data.id,
      slug: data.slug ?? String(data.id),
      name: data.name,
      htmlUrl: data.html_url,
      clientId: data.client_id,
      clientSecret: data.client_secret,
      webhookSecret: data.webhook_secret,
      pem: data.pem,
    };
  } catch (error) {
    const status = (error as { status?: number }).status;
    throw new CliError(
      status === 404 || status === 422
        ? `GitHub did not accept the code (HTTP ${status}): it works once and expires after an hour. Run runbridge app create again.`
        : `cannot exchange the code at ${apiUrl} (${(error as Error).message}); check --api-url and run runbridge app create again.`,
    );
  }
}

async function createCommand(args: readonly string[], context: CliContext): Promise<number> {
  const { help, values } = parseCommandArgs(
    args,
    {
      url: { type: "string" },
      org: { type: "string" },
      name: { type: "string" },
      out: { type: "string" },
      force: { type: "boolean" },
      port: { type: "string" },
      "github-url": { type: "string" },
      "api-url": { type: "string" },
    },
    0,
    appUsage,
  );
  if (help) {
    context.stdout(`${appUsage}\n`);
    return 0;
  }
  const given = values.url ?? context.env.RUNBRIDGE_PUBLIC_URL;
  if (!given) {
    throw new UsageError(
      "--url is missing: GitHub delivers the App's webhooks to <url>/webhook/github, so pass the bridge's public URL",
      appUsage,
    );
  }
  const bridgeUrl = urlOption(given, "--url", appUsage);
  if (values.org !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(values.org)) {
    throw new UsageError(`--org "${values.org}" is not an organization login`, appUsage);
  }
  const port = Number(values.port ?? "0");
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port "${values.port}" is not a port number`, appUsage);
  }
  const githubUrl = urlOption(values["github-url"] ?? "https://github.com", "--github-url", appUsage);
  const apiUrl = urlOption(
    values["api-url"] ?? context.env.GITHUB_API_URL ?? "https://api.github.com",
    "--api-url",
    appUsage,
  );
  const out = resolve(context.cwd, values.out ?? DEFAULT_OUT);
  const shownOut = relative(context.cwd, out) || out;
  // Refuse before anything happens on GitHub: a created App whose key cannot be stored is lost.
  if (existsSync(out) && !values.force) {
    throw new CliError(`${shownOut} exists; pass --force to replace it, or --out to write elsewhere.`);
  }

  const state = randomBytes(16).toString("hex");
  // The redirect URL needs the port, known once listening; the manifest is built per request.
  let serverUrl = "http://127.0.0.1:0";
  let manifest = appManifest(values.name ?? "Runbridge", bridgeUrl, "http://127.0.0.1/callback");
  const flow = manifestFlow({
    manifest: () => manifest,
    host: () => new URL(serverUrl).host,
    formAction: manifestFormAction(githubUrl, values.org, state),
    state,
    async exchange(code) {
      const app = await exchangeCode(apiUrl, code);
      mkdirSync(dirname(out), { recursive: true, mode: 0o700 });
      excludeIfInRepository(context.cwd, out);
      writeCredentials(out, app, values.force === true);
      return {
        result: app,
        message: `"${app.name}" (id ${app.id}) is registered; its credentials are in ${out}.`,
      };
    },
  });
  const server = await listen(flow.app, { host: "127.0.0.1", port });
  serverUrl = server.url;
  manifest = appManifest(values.name ?? "Runbridge", bridgeUrl, `${server.url}/callback`);
  context.stdout(
    `Open ${server.url}/ in a browser and follow it to GitHub to create the App (waiting; Ctrl-C to stop).\n`,
  );
  let app: AppCredentials;
  try {
    app = await flow.done;
  } finally {
    await server.close();
  }
  context.stdout(
    [
      `Created the GitHub App "${app.name}" (id ${app.id}): ${app.htmlUrl}`,
      `Wrote ${shownOut} (mode 0600) with the variables the bridge reads: ${BRIDGE_APP_VARIABLES.join(", ")}.`,
      "Next: install the App on the remediation repository only",
      `  ${app.htmlUrl}/installations/new`,
      "then give the bridge GITHUB_APP_INSTALLATION_ID (the number at the end of the installation's URL)",
      "and GITHUB_REPOSITORY=owner/name.",
      "",
    ].join("\n"),
  );
  return 0;
}

/** `runbridge app <subcommand>`; `create` is the only one. */
export async function appCommand(args: readonly string[], context: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "--help" || sub === "-h") {
    context.stdout(`${appUsage}\n`);
    return 0;
  }
  if (sub !== "create") {
    throw new UsageError(
      sub === undefined ? "missing subcommand: create" : `unknown subcommand "${sub}"`,
      appUsage,
    );
  }
  return createCommand(rest, context);
}
