/**
 * @module Issues: create, comment, close and list, for the bridge's incident and escalation notes.
 */
import { issue, issueComment } from "../shapes.js";
import type { IssueRecord } from "../state.js";
import { notFound, paginate, type RouteHandler, repoOf } from "./context.js";

type LabelInput = string | { name?: string };

export const issueRoutes: Record<string, RouteHandler> = {
  "issues/create"(context) {
    const { owner, repo, key } = repoOf(context);
    const body = context.body as {
      title: string | number;
      body?: string;
      labels?: LabelInput[];
      assignees?: string[];
      assignee?: string | null;
    };
    const { state } = context;
    const record: IssueRecord = {
      id: 2_000_000 + ++state.counters.issue,
      owner,
      repo,
      number: state.issues.filter((i) => `${i.owner}/${i.repo}`.toLowerCase() === key).length + 1,
      title: String(body.title),
      body: body.body ?? null,
      labels: (body.labels ?? []).map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
      assignees: body.assignees ?? (body.assignee ? [body.assignee] : []),
      state: "open",
      createdAt: context.now,
      updatedAt: context.now,
      comments: [],
    };
    state.issues.push(record);
    const shaped = issue(context.urls, record, context.options.actor);
    return { status: 201, headers: { location: shaped.url }, body: shaped };
  },

  "issues/get"(context) {
    const { key } = repoOf(context);
    const record = context.state.issues.find(
      (i) => i.number === context.params.issue_number && `${i.owner}/${i.repo}`.toLowerCase() === key,
    );
    if (!record) throw notFound();
    return { status: 200, body: issue(context.urls, record, context.options.actor) };
  },

  /** Only what the bridge changes: the state (it closes a breaker's issue when the breaker closes). */
  "issues/update"(context) {
    const { key } = repoOf(context);
    const record = context.state.issues.find(
      (i) => i.number === context.params.issue_number && `${i.owner}/${i.repo}`.toLowerCase() === key,
    );
    if (!record) throw notFound();
    const body = context.body as { state?: string; state_reason?: string | null; title?: string };
    if (body.state === "open" || body.state === "closed") {
      if (body.state === "closed" && record.state === "open") record.closedAt = context.now;
      if (body.state === "open") record.closedAt = undefined;
      record.state = body.state;
    }
    if (body.state_reason !== undefined) record.stateReason = body.state_reason;
    if (body.title !== undefined) record.title = String(body.title);
    record.updatedAt = context.now;
    return { status: 200, body: issue(context.urls, record, context.options.actor) };
  },

  "issues/create-comment"(context) {
    const { key } = repoOf(context);
    const record = context.state.issues.find(
      (i) => i.number === context.params.issue_number && `${i.owner}/${i.repo}`.toLowerCase() === key,
    );
    if (!record) throw notFound();
    const comment = {
      id: 3_000_000 + ++context.state.counters.comment,
      issueNumber: record.number,
      body: String((context.body as { body: string }).body),
      createdAt: context.now,
    };
    record.comments.push(comment);
    record.updatedAt = context.now;
    const shaped = issueComment(context.urls, record, comment, context.options.actor);
    return { status: 201, headers: { location: shaped.url }, body: shaped };
  },

  "issues/list-for-repo"(context) {
    const { owner, repo, key } = repoOf(context);
    const p = context.params;
    const wantedState = (p.state as string | undefined) ?? "open";
    const labels =
      typeof p.labels === "string"
        ? p.labels
            .split(",")
            .map((l) => l.trim())
            .filter(Boolean)
        : [];
    const direction = p.direction === "asc" ? 1 : -1;
    const matching = context.state.issues
      .filter((i) => `${i.owner}/${i.repo}`.toLowerCase() === key)
      .filter((i) => wantedState === "all" || i.state === wantedState)
      .filter((i) => labels.every((label) => i.labels.includes(label)))
      .sort((a, b) => direction * (a.createdAt.getTime() - b.createdAt.getTime() || a.number - b.number));
    const page = paginate(context, `/repos/${owner}/${repo}/issues`, matching);
    return {
      status: 200,
      headers: page.headers,
      body: page.items.map((record) => issue(context.urls, record, context.options.actor)),
    };
  },
};
