/**
 * @module The rate-limit overview and GitHub App installation tokens.
 */
import { randomBytes } from "node:crypto";
import { iso } from "../shapes.js";
import type { RouteContext, RouteHandler } from "./context.js";

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
};
