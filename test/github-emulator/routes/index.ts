/**
 * @module Every route handler by operationId; an operation in the subset without one here is a
 * test gap, and `createGitHubEmulator` refuses to start in that case.
 */
import { accessRoutes } from "./access.js";
import { appRoutes } from "./app.js";
import { contentRoutes } from "./contents.js";
import type { RouteHandler } from "./context.js";
import { dispatchRoutes } from "./dispatches.js";
import { issueRoutes } from "./issues.js";
import { runRoutes } from "./runs.js";

export const routeHandlers: Record<string, RouteHandler> = {
  ...dispatchRoutes,
  ...runRoutes,
  ...contentRoutes,
  ...issueRoutes,
  ...appRoutes,
  ...accessRoutes,
};
