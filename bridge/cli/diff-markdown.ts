/**
 * @module
 * Renders a runbooks diff as GitHub-flavoured markdown for a PR comment or a job summary
 * (`$GITHUB_STEP_SUMMARY`): a heading, a table of runbook changes, a table of routing
 * changes (or "No routing changes") and, when the head side is invalid, its problems.
 */
import type { Routing, RunbooksDiff } from "./runbook-diff.js";

/** A code span that survives a table cell: pipes escaped, fence longer than any backtick run inside. */
function code(text: string): string {
  const flat = text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

function routing(value: Routing): string {
  if (value.runbook === null) return "no runbook";
  return value.target === null ? code(value.runbook) : `${code(value.runbook)} → ${code(value.target)}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** The whole report, ending in a newline. */
export function renderDiffMarkdown(diff: RunbooksDiff, validateCommand: string): string {
  const out: string[] = [];
  out.push(`## Runbook changes: ${code(diff.base)} → ${diff.head}`, "");
  out.push(
    `${plural(diff.changes.length, "runbook")} added, removed or changed; ` +
      `${diff.routing.length} of ${plural(diff.examplesChecked, "example alert")} route differently.`,
    "",
  );

  if (diff.changes.length === 0) {
    out.push("No runbook changes.", "");
  } else {
    out.push("| Runbook | Change | Fields | File |", "| --- | --- | --- | --- |");
    for (const change of diff.changes) {
      const fields = [change.fields.map(code).join(", "), change.note ? cell(change.note) : ""]
        .filter(Boolean)
        .join("; ");
      out.push(`| ${code(change.name)} | ${change.change} | ${fields} | ${code(change.file)} |`);
    }
    out.push("");
  }

  out.push("### Routing changes", "");
  if (diff.routing.length === 0) {
    out.push(`No routing changes (${plural(diff.examplesChecked, "example alert")} checked).`, "");
  } else {
    out.push("| Example alert | Example of | Before | After |", "| --- | --- | --- | --- |");
    for (const change of diff.routing) {
      out.push(
        `| ${code(change.alert)} | ${cell(change.examples.join(", "))} | ${routing(change.before)} | ${routing(change.after)} |`,
      );
    }
    out.push("");
  }

  if (diff.problems.length > 0) {
    const text = diff.problems.map((problem) => problem.toString()).join("\n");
    const fence = "`".repeat(Math.max(3, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length + 1)));
    out.push(
      `### ${plural(diff.problems.length, "problem")} on ${diff.head}`,
      "",
      `These runbooks would be rejected; fix them (\`${validateCommand}\`) before merging.`,
      "",
      fence,
      text,
      fence,
      "",
    );
  }
  return out.join("\n");
}
