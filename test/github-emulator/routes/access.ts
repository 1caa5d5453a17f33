/**
 * @module Environments, team memberships and collaborator permissions: what the bridge asks
 * before it trusts an environment to hold an approval, and when someone answers one.
 */
import { iso, publicUser, simpleUser, team, teamFull, teamRepository } from "../shapes.js";
import { userExists } from "../state.js";
import { notFound, type RouteHandler, repoOf } from "./context.js";

/** GitHub's ids for permission levels, as `role_name` reports them. */
const ROLE_NAMES: Record<string, string> = {
  admin: "admin",
  maintain: "maintain",
  write: "write",
  triage: "triage",
  read: "read",
};

export const accessRoutes: Record<string, RouteHandler> = {
  "repos/get-environment"(context) {
    const { owner, repo, key } = repoOf(context);
    const name = String(context.params.environment_name);
    const record =
      context.state.environments.get(`${key}|${name}`) ?? context.state.environments.get(`*|${name}`);
    // GitHub answers 404 for an environment that does not exist, though its description declares
    // only 200: sent without a body, which the response check would otherwise flag as undeclared.
    if (!record) return { status: 404 };
    const api = `${context.urls.api}/repos/${owner}/${repo}/environments/${encodeURIComponent(name)}`;
    const rules =
      record.reviewers.length === 0
        ? []
        : [
            {
              id: record.id * 10 + 1,
              node_id: Buffer.from(`Gate${record.id}`).toString("base64"),
              prevent_self_review: false,
              type: "required_reviewers",
              // `org/team` entries are team reviewers; the rest are users.
              reviewers: record.reviewers.map((entry, index) =>
                entry.includes("/")
                  ? { type: "Team", reviewer: team(context.urls, entry) }
                  : { type: "User", reviewer: simpleUser(context.urls, entry, 5_000_000 + index) },
              ),
            },
          ];
    return {
      status: 200,
      body: {
        id: record.id,
        node_id: Buffer.from(`Environment${record.id}`).toString("base64"),
        name: record.name,
        url: api,
        html_url: `${context.urls.html}/${owner}/${repo}/deployments/activity_log?environments_filter=${encodeURIComponent(name)}`,
        created_at: iso(record.createdAt),
        updated_at: iso(record.createdAt),
        // Not in the OpenAPI schema, but GitHub sends it (and documents it in its example).
        can_admins_bypass: record.canAdminsBypass,
        protection_rules: rules,
        deployment_branch_policy: null,
      },
    };
  },

  "teams/get-membership-for-user-in-org"(context) {
    const org = String(context.params.org);
    const team = String(context.params.team_slug);
    const login = String(context.params.username);
    const members = context.state.teams.get(`${org}/${team}`.toLowerCase());
    // GitHub's 404 here has no body in the description: not a member (or no such team).
    if (!members?.has(login.toLowerCase())) return { status: 404 };
    return {
      status: 200,
      body: {
        url: `${context.urls.api}/organizations/1/team/1/memberships/${encodeURIComponent(login)}`,
        role: "member",
        state: "active",
      },
    };
  },

  "users/get-by-username"(context) {
    const login = String(context.params.username);
    if (!userExists(context.state, login)) throw notFound();
    return { status: 200, body: publicUser(context.urls, login) };
  },

  "teams/get-by-name"(context) {
    const slug = `${String(context.params.org)}/${String(context.params.team_slug)}`;
    const members = context.state.teams.get(slug.toLowerCase());
    if (!members) throw notFound();
    return { status: 200, body: teamFull(context.urls, slug, members.size) };
  },

  "teams/check-permissions-for-repo-in-org"(context) {
    const slug = `${String(context.params.org)}/${String(context.params.team_slug)}`.toLowerCase();
    const permission = context.state.teamPermissions.get(slug);
    // GitHub's 404 here has no body in the description: the team has no access (or does not exist).
    if (!context.state.teams.has(slug) || !permission) return { status: 404 };
    // Without the repository media type GitHub only says that the team has access (204).
    if (!context.accept.includes("application/vnd.github.v3.repository+json")) return { status: 204 };
    const owner = String(context.params.owner);
    const repo = String(context.params.repo);
    return { status: 200, body: teamRepository(context.urls, owner, repo, permission) };
  },

  "repos/get-collaborator-permission-level"(context) {
    const { key } = repoOf(context);
    const login = String(context.params.username);
    const permission =
      context.state.permissions.get(`${key}|${login.toLowerCase()}`) ??
      context.state.permissions.get(`*|${login.toLowerCase()}`);
    if (!permission) throw notFound();
    // GitHub folds maintain into write and triage into read for `permission`; role_name keeps it.
    const folded = permission === "maintain" ? "write" : permission === "triage" ? "read" : permission;
    return {
      status: 200,
      body: {
        permission: folded,
        role_name: ROLE_NAMES[permission] ?? permission,
        user: { ...simpleUser(context.urls, login), role_name: ROLE_NAMES[permission] ?? permission },
      },
    };
  },
};
