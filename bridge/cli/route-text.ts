/**
 * @module
 * Renders `runbridge route` results for people: one block per alert.
 */
import { describeAlert } from "../runbooks/examples.js";
import type { AlertRoute, GuardsReport, TargetReport } from "./route-report.js";

function globs(value: string | string[]): string {
  return Array.isArray(value) ? value.join(", ") : value;
}

function targetLine(target: TargetReport | null): string {
  if (!target) return "none (the runbook names no target label)";
  const source = `label ${target.label}${target.pattern ? `, pattern ${target.pattern}` : ""}`;
  const value = target.value === null ? "none" : target.value;
  const admitted = target.allow
    ? target.allowed
      ? `allowed by ${globs(target.allow)}`
      : `NOT allowed by ${globs(target.allow)}`
    : "no allow-list";
  return `${value} (${source}); ${admitted}`;
}

function guardLines(guards: GuardsReport): string[] {
  const lines: string[] = [];
  lines.push(`cooldown: ${guards.cooldown ?? "none"}${guards.cooldown ? " per runbook + target" : ""}`);
  lines.push(`maxPerHour: ${guards.maxPerHour ?? "no limit"}${guards.maxPerHour ? " (sliding hour)" : ""}`);
  const breaker = guards.breaker;
  lines.push(
    breaker
      ? `breaker: opens after ${breaker.failures} failures within ${breaker.within}, for ${breaker.openFor} (scope: ${breaker.scope})`
      : "breaker: none",
  );
  if (guards.blackout.length === 0) lines.push("blackout: none");
  for (const window of guards.blackout) {
    const reason = window.reason ? ` — ${window.reason}` : "";
    lines.push(`blackout: "${window.cron}" for ${window.duration} (${window.timezone})${reason}`);
  }
  lines.push(`onResolved: ${guards.onResolved}`);
  lines.push(
    `group: ${guards.group} (${guards.group === "group" ? "one execution per Alertmanager group" : "one execution per alert"})`,
  );
  return lines;
}

function renderOne(route: AlertRoute, position: string): string {
  const { alert } = route;
  const lines = [`alert ${position}: ${describeAlert(alert.labels)} ${alert.status ?? "firing"}`];
  if (route.runbook === null) {
    lines.push(`  runbook: none — ${route.reason}`);
    for (const suggestion of route.suggestions) {
      lines.push(`  did you mean ${suggestion.alertname}? (runbook ${suggestion.runbook})`);
    }
  } else {
    lines.push(`  runbook: ${route.runbook} (${route.file}) — ${route.reason}`);
    lines.push(`  target: ${targetLine(route.target)}`);
    const dispatch = route.dispatch;
    if (dispatch) {
      const environment = dispatch.environment ? ` in environment ${dispatch.environment}` : "";
      const how = dispatch.dispatch === "repository" ? "repository_dispatch" : "workflow_dispatch";
      lines.push(`  mode: ${dispatch.mode}${environment}`);
      lines.push(`  workflow: ${dispatch.workflow}@${dispatch.ref} via ${how}`);
      if (dispatch.approvalTimeout) lines.push(`  approval timeout: ${dispatch.approvalTimeout}`);
    }
    if (route.guards) {
      lines.push("  guards:");
      for (const line of guardLines(route.guards)) lines.push(`    ${line}`);
    }
    for (const note of route.notes) lines.push(`  note: ${note}`);
  }
  if (route.lost.length > 0) {
    lines.push("  lost:");
    for (const loser of route.lost) lines.push(`    ${loser.runbook}: ${loser.reason}`);
  }
  if (route.rejected.length > 0) {
    lines.push("  near misses:");
    for (const miss of route.rejected) lines.push(`    ${miss.runbook}: ${miss.reason}`);
  }
  return lines.join("\n");
}

/** Every alert's block, separated by a blank line. */
export function renderRoutes(routes: readonly AlertRoute[]): string {
  return `${routes.map((route, index) => renderOne(route, `${index + 1}/${routes.length}`)).join("\n\n")}\n`;
}
