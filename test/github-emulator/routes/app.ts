/**
 * @module The rate-limit overview, GitHub App installation tokens, and Apps created from a
 * manifest (the code the emulated "github.com" page handed out, converted once).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { appFromManifest, iso } from "../shapes.js";
import { GitHubError, notFound, type RouteContext, type RouteHandler } from "./context.js";

/** GitHub's manifest codes expire after an hour. */
const MANIFEST_CODE_TTL_MS = 3_600_000;

let appKey: string | undefined;
/**
 * A real RSA private key (PKCS#1 PEM, as GitHub hands out), generated once per process: a
 * 2048-bit key takes most of a second on a busy machine, and no test needs two to differ.
 */
function appPrivateKey(): string {
  appKey ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  }).privateKey;
  return appKey;
}

/** The primary rate-limit numbers this emulator reports, also sent as `x-ratelimit-*` headers. */
export function rateLimitNumbers(context: Pick<RouteContext, "options" | "now" | "requestCount">) {
  const limit = context.options.rateLimit.limit;
  const used = Math.min(context.requestCount, limit);
  // The window resets on the hour, which is close enough to GitHub's rolling hour for clients.
  const reset = Math.ceil(context.now.getTime() / 3_600_000) * 3600;
  return { limit, used, remaining: limit - used, reset };
}

export const appRoutes: Record<string, RouteHandler> = {
  "rate-limit/get"(context) {
    const core = rateLimitNumbers(context);
    const fresh = (limit: number) => ({ limit, used: 0, remaining: limit, reset: core.reset });
    return {
      status: 200,
      body: {
        resources: {
          core,
          search: fresh(30),
          graphql: fresh(5000),
          integration_manifest: fresh(5000),
          code_search: fresh(10),
        },
        rate: core,
      },
    };
  },

  "apps/create-installation-access-token"(context) {
    const body = (context.body ?? {}) as { repositories?: string[]; permissions?: Record<string, string> };
    const expiresAt = new Date(context.now.getTime() + context.options.tokenTtlMs);
    const token = `ghs_emulator${++context.state.counters.token}${randomBytes(12).toString("hex")}`;
    const permissions = body.permissions ?? {
      actions: "write",
      contents: "read",
      issues: "write",
      metadata: "read",
    };
    context.state.tokens.push({
      token,
      installationId: Number(context.params.installation_id),
      expiresAt,
      permissions,
      ...(body.repositories ? { repositories: body.repositories } : {}),
    });
    return {
      status: 201,
      body: {
        token,
        expires_at: iso(expiresAt),
        permissions,
        repository_selection: body.repositories ? "selected" : "all",
      },
    };
  },

  "apps/create-from-manifest"(context) {
    const code = String(context.params.code);
    const submitted = context.state.manifests.get(code);
    if (!submitted) throw notFound();
    // A code works once, like GitHub's.
    context.state.manifests.delete(code);
    if (context.now.getTime() - submitted.createdAt.getTime() > MANIFEST_CODE_TTL_MS) {
      throw new GitHubError(422, "The manifest code has expired.");
    }
    const manifest = submitted.manifest as { name?: string; hook_attributes?: { url?: string } };
    const id = 900_000 + ++context.state.counters.app;
    const record = {
      id,
      slug: String(manifest.name ?? `app-${id}`)
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, ""),
      owner: submitted.owner,
      manifest: submitted.manifest,
      clientId: `Iv23li${randomBytes(7).toString("hex")}`,
      clientSecret: randomBytes(20).toString("hex"),
      // GitHub generates a webhook secret only for an App with a webhook URL.
      webhookSecret: manifest.hook_attributes?.url ? randomBytes(20).toString("hex") : null,
      pem: appPrivateKey(),
      createdAt: context.now,
    };
    context.state.apps.push(record);
    return { status: 201, body: appFromManifest(context.urls, record) };
  },
};
