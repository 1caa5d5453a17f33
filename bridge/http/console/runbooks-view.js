// @ts-check
// The runbooks view: each runbook's scorecard (GET /api/runbooks) over one window, one table
// row per runbook. Plain text cells; a runbook's last failure links to its GitHub run.

/** @import { RunbookScorecardJson, RunbooksAnswer, ScorecardWindow, ScorecardWindowJson } from "../api-types.js" */

import { dateTime, duration, el, externalLink } from "./dom.js";

/** @param {ScorecardWindowJson} window */
function verifiedRate(window) {
  if (window.verifiedRate === null) return "—";
  const { verified, not_cleared, rolled_back, failed } = window.outcomes;
  return `${Math.round(window.verifiedRate * 100)}% (${verified}/${verified + not_cleared + rolled_back + failed})`;
}

/** @param {import("../api-types.js").DurationSummaryJson | null} summary */
function medianAndP90(summary) {
  return summary ? `${duration(summary.medianMs)} / ${duration(summary.p90Ms)}` : "—";
}

/** @param {ScorecardWindowJson} window */
function suppressions(window) {
  const entries = Object.entries(window.suppressedBy).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([guard, n]) => `${guard} ${n}`).join(", ") : "0";
}

/** @param {RunbookScorecardJson} card */
function lastFailure(card) {
  const failure = card.lastFailure;
  if (!failure) return el("span", { className: "muted", text: "none" });
  return el("span", {}, [
    el("span", { className: `state state-${failure.state}`, text: failure.state }),
    ` ${dateTime(failure.at)} `,
    externalLink(failure.runUrl, failure.runUrl ? "run" : ""),
    el("span", { className: "reason block", text: failure.reason }),
  ]);
}

/** @param {RunbookScorecardJson} card */
function breaker(card) {
  const { state, notClosed } = card.breaker;
  const label =
    state === "closed" ? "closed" : `${state.replace("_", "-")}: ${notClosed.map((b) => b.key).join(", ")}`;
  return el("span", { className: `breaker breaker-${state}`, text: label });
}

/**
 * One row of the scorecard table.
 * @param {RunbookScorecardJson} card
 * @param {ScorecardWindow} windowName
 */
function scorecardRow(card, windowName) {
  const window = card.windows[windowName];
  const name = el("th", { className: "nowrap", text: card.runbook });
  name.setAttribute("scope", "row");
  if (!card.loaded) name.append(el("span", { className: "muted small", text: " (not loaded)" }));
  return el("tr", { data: { runbook: card.runbook, breaker: card.breaker.state } }, [
    name,
    el("td", { className: "num", text: String(window.executions) }),
    el("td", { className: "num", text: String(window.dispatched) }),
    el("td", { className: "num", text: verifiedRate(window) }),
    el("td", { className: "num", text: String(window.outcomes.not_cleared) }),
    el("td", { className: "num", text: String(window.outcomes.rolled_back) }),
    el("td", { className: "num", text: String(window.outcomes.failed) }),
    el("td", { className: "nowrap", text: medianAndP90(window.timeToResolution.fromStart) }),
    el("td", { className: "nowrap", text: medianAndP90(window.timeToResolution.fromDispatch) }),
    el("td", { className: "num", text: String(window.relapses) }),
    el("td", { text: suppressions(window) }),
    el("td", {}, [breaker(card)]),
    el("td", {}, [lastFailure(card)]),
  ]);
}

/**
 * The scorecard table's rows for one window.
 * @param {RunbooksAnswer} answer
 * @param {ScorecardWindow} windowName
 */
export function scorecardRows(answer, windowName) {
  return answer.runbooks.map((card) => scorecardRow(card, windowName));
}
