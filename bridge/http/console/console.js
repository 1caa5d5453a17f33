// @ts-check
// The Runbridge console: plain JavaScript, no build step, type-checked against the API's own
// types (../api-types.ts) by ./tsconfig.json. Alert content is untrusted, so every value
// reaches the page through textContent (never innerHTML), and links are made only from
// http(s) URLs.

/** @import { AuditEventJson, BreakerJson, ErrorAnswer, EventFrames, ExecutionDetailAnswer, ExecutionJson, ExecutionsAnswer, RunbooksAnswer, ScorecardWindow, SilenceAnswer, StatusAnswer } from "../api-types.js" */

import { el, element, safeUrl, time } from "./dom.js";
import { executionDetail } from "./execution-view.js";
import { scorecardRows } from "./runbooks-view.js";
import { createSseParser } from "./sse.js";

const TOKEN_KEY = "runbridge.apiToken";
const FEED_LIMIT = 200;
const FRAME_TYPES = /** @type {const} */ (["audit", "ready", "heartbeat", "reset"]);

/**
 * @type {{
 *   token: string,
 *   lastEventId: number | undefined,
 *   stream: { close(): void } | undefined,
 *   status: StatusAnswer | undefined,
 *   refreshTimer: ReturnType<typeof setTimeout> | undefined,
 *   scorecardTimer: ReturnType<typeof setTimeout> | undefined,
 *   scorecard: RunbooksAnswer | undefined,
 *   silenceTarget: ExecutionJson | undefined,
 * }}
 */
const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? "",
  lastEventId: undefined,
  stream: undefined,
  status: undefined,
  refreshTimer: undefined,
  scorecardTimer: undefined,
  scorecard: undefined,
  silenceTarget: undefined,
};

/** @param {string} id */
const $ = (id) => element(id, HTMLElement);
/** @param {string} id */
const input = (id) => element(id, HTMLInputElement);
/** @param {string} id */
const button = (id) => element(id, HTMLButtonElement);

/**
 * @param {string} text
 * @param {"info" | "error"} [kind]
 */
function say(text, kind = "info") {
  const message = $("message");
  message.textContent = text;
  message.dataset.kind = kind;
}

/** An API answer other than 2xx: the bridge's reason, and the status to tell 401 apart. */
class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** @param {unknown} error */
const messageOf = (error) => (error instanceof Error ? error.message : String(error));
/** @param {unknown} error */
const statusOf = (error) => (error instanceof ApiError ? error.status : undefined);

/**
 * Calls the bridge's API with the token, if one is set.
 * @template T the answer's type (../api-types.ts)
 * @param {string} path
 * @param {{ method?: "GET" | "POST", body?: string }} [init]
 * @returns {Promise<T>}
 */
async function api(path, init = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { ...init, headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(
      /** @type {Partial<ErrorAnswer>} */ (body).error ?? `HTTP ${response.status}`,
      response.status,
    );
  }
  return /** @type {T} */ (body);
}

// ---- status: kill switch, dry-run, runbooks, breakers -----------------------------------

/** @param {BreakerJson} breaker */
function breakerRow(breaker) {
  const reset = el("button", { type: "button", text: "Reset", disabled: !state.token });
  reset.addEventListener("click", () => resetBreaker(breaker.key));
  return el("tr", { data: { key: breaker.key } }, [
    el("td", { className: "mono nowrap", text: breaker.key }),
    el("td", { text: breaker.scope }),
    el("td", { text: time(breaker.openedAt) }),
    el("td", { text: time(breaker.halfOpenAt) }),
    el("td", { text: breaker.reason }),
    el("td", {}, [reset]),
  ]);
}

/** @param {StatusAnswer} status */
function renderStatus(status) {
  state.status = status;
  const automation = $("automation-state");
  automation.dataset.state = status.enabled ? "on" : "off";
  automation.textContent = status.enabled ? "automation on" : "automation OFF";
  $("automation-detail").textContent = status.enabled
    ? "Alerts that pass the guards are dispatched to GitHub."
    : "Kill switch engaged: every alert is recorded and suppressed; nothing is dispatched.";
  const toggle = button("kill-switch");
  toggle.textContent = status.enabled ? "Stop automation" : "Resume automation";
  toggle.className = status.enabled ? "danger" : "primary";
  toggle.disabled = !state.token;
  toggle.title = state.token ? "" : "enter the API token to change this";

  $("dry-run-banner").hidden = !status.dryRun;
  const problems = $("problems-banner");
  problems.hidden = status.runbookProblems.length === 0;
  problems.textContent = status.runbookProblems.length
    ? `A runbook change was rejected (the last good set stays active): ${status.runbookProblems.slice(0, 3).join("; ")}`
    : "";
  // Approval runbooks GitHub cannot hold and the bridge cannot either (nobody may answer).
  const unheld = $("approvals-banner");
  unheld.hidden = status.approvalsUnheld.length === 0;
  unheld.textContent = status.approvalsUnheld.length
    ? `Approval cannot be held: ${status.approvalsUnheld
        .slice(0, 3)
        .map((entry) => `${entry.runbook}: ${entry.problem}; ${entry.fix}`)
        .join(" · ")}`
    : "";
  $("runbooks-state").textContent = status.runbooks
    ? `${status.runbooks.count} runbooks · ${status.runbooks.sourceHash.slice(0, 8)}`
    : "no runbooks loaded";
  $("outbox-state").textContent = `outbox ${status.outboxDepth}`;

  tableBody("breakers").replaceChildren(...status.openBreakers.map(breakerRow));
  $("breakers-empty").hidden = status.openBreakers.length > 0;
}

/** @param {string} id */
function tableBody(id) {
  const body = element(id, HTMLTableElement).tBodies[0];
  if (!body) throw new Error(`the console page's #${id} has no tbody`);
  return body;
}

async function refreshStatus() {
  try {
    /** @type {StatusAnswer} */
    const status = await api("/api/status");
    renderStatus(status);
  } catch (error) {
    if (statusOf(error) === 401)
      say("The bridge needs the API token to show its state: enter it above.", "error");
    else say(`Cannot read the bridge's status: ${messageOf(error)}`, "error");
  }
}

async function toggleKillSwitch() {
  const enabled = !state.status?.enabled;
  try {
    await api("/api/kill-switch", {
      method: "POST",
      body: JSON.stringify({ enabled, reason: input("kill-reason").value.trim() || "from the console" }),
    });
    say(enabled ? "Automation resumed." : "Automation stopped: alerts are recorded, nothing is dispatched.");
    input("kill-reason").value = "";
  } catch (error) {
    say(`Kill switch not changed: ${messageOf(error)}`, "error");
  }
  await refreshStatus();
}

/** @param {string} key */
async function resetBreaker(key) {
  try {
    await api(`/api/breakers/${encodeURIComponent(key)}/reset`, { method: "POST" });
    say(`Breaker ${key} reset.`);
  } catch (error) {
    say(`Breaker ${key} not reset: ${messageOf(error)}`, "error");
  }
  await refreshStatus();
}

// ---- executions ------------------------------------------------------------------------

/** @param {ExecutionJson} execution */
function executionRow(execution) {
  const runUrl = safeUrl(execution.runUrl);
  const run = runUrl
    ? el("a", {
        href: runUrl,
        target: "_blank",
        rel: "noopener noreferrer",
        text: `run ${execution.runId ?? ""}`.trim(),
      })
    : el("span", { className: "muted", text: execution.runId ? `run ${execution.runId}` : "" });
  // A manual run (gh workflow run) answers no alert: nothing to silence.
  const manual = execution.source === "manual";
  const silence = el("button", {
    type: "button",
    text: "Silence",
    disabled: !state.token || manual,
    title: manual
      ? "a manual run answers no alert"
      : state.token
        ? "silence this alert in Alertmanager"
        : "enter the API token to silence",
  });
  silence.addEventListener("click", () => openSilence(execution));
  const details = el("button", {
    type: "button",
    className: "link",
    text: time(execution.createdAt) || "details",
    title: "show this execution's audit trail, approval, run phases and outcome",
  });
  details.setAttribute("aria-label", `details of execution ${execution.id}`);
  details.addEventListener("click", () => openExecution(execution.id));
  const row = el("tr", { className: "clickable", data: { id: execution.id, state: execution.state } }, [
    el("td", { className: "nowrap" }, [details]),
    el("td", {
      className: "wrap",
      text: manual ? `manual run by @${execution.actor ?? "unknown"}` : execution.alertname,
    }),
    el("td", { className: "nowrap", text: execution.runbook ?? "—" }),
    el("td", { className: "mono nowrap", text: execution.target ?? "" }),
    el("td", {}, [el("span", { className: `state state-${execution.state}`, text: execution.state })]),
    el("td", { className: "reason", text: execution.reason }),
    el("td", { className: "nowrap" }, [run]),
    el("td", {}, [silence]),
  ]);
  // The whole row opens the detail (the button in its first cell is the keyboard's way in);
  // its own links and buttons keep their meaning.
  row.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("a, button")) return;
    void openExecution(execution.id);
  });
  return row;
}

/** @param {string} id */
async function openExecution(id) {
  try {
    /** @type {ExecutionDetailAnswer} */
    const detail = await api(`/api/executions/${encodeURIComponent(id)}`);
    $("execution-detail").replaceChildren(...executionDetail(detail, state.status?.repository ?? null));
    $("execution-dialog-title").textContent = `Execution ${id}`;
    const dialog = element("execution-dialog", HTMLDialogElement);
    if (!dialog.open) dialog.showModal();
    button("execution-close").focus();
  } catch (error) {
    say(`Cannot show execution ${id}: ${messageOf(error)}`, "error");
  }
}

// ---- runbooks (scorecard) ---------------------------------------------------------------

function scorecardWindow() {
  return /** @type {ScorecardWindow} */ (element("scorecard-window", HTMLSelectElement).value);
}

function renderScorecard() {
  const answer = state.scorecard;
  if (!answer) return;
  tableBody("scorecard").replaceChildren(...scorecardRows(answer, scorecardWindow()));
  $("scorecard-empty").hidden = answer.runbooks.length > 0;
}

async function refreshScorecard() {
  try {
    /** @type {RunbooksAnswer} */
    const answer = await api("/api/runbooks");
    state.scorecard = answer;
    renderScorecard();
  } catch (error) {
    if (statusOf(error) !== 401) say(`Cannot read the runbook scorecard: ${messageOf(error)}`, "error");
  }
}

async function refreshExecutions() {
  try {
    /** @type {ExecutionsAnswer} */
    const { executions } = await api("/api/executions?limit=50");
    tableBody("executions").replaceChildren(...executions.map(executionRow));
    $("executions-empty").hidden = executions.length > 0;
  } catch (error) {
    if (statusOf(error) !== 401) say(`Cannot list executions: ${messageOf(error)}`, "error");
  }
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => {
    void refreshStatus();
    void refreshExecutions();
  }, 200);
  // The scorecard aggregates 30 days: at most one refresh every 2 s, however busy the feed.
  state.scorecardTimer ??= setTimeout(() => {
    state.scorecardTimer = undefined;
    void refreshScorecard();
  }, 2000);
}

// ---- silences --------------------------------------------------------------------------

/** @param {ExecutionJson} execution */
function openSilence(execution) {
  state.silenceTarget = execution;
  const labels = /** @type {{ labels?: Record<string, string> }} */ (execution.alert).labels ?? {
    alertname: execution.alertname,
  };
  $("silence-subject").textContent = Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(", ");
  input("silence-comment").value = "";
  element("silence-dialog", HTMLDialogElement).showModal();
}

/** @param {SubmitEvent} event */
async function submitSilence(event) {
  const submitter = event.submitter instanceof HTMLButtonElement ? event.submitter.value : undefined;
  const execution = state.silenceTarget;
  if (submitter !== "create" || !execution) return;
  event.preventDefault();
  const dialog = element("silence-dialog", HTMLDialogElement);
  try {
    /** @type {SilenceAnswer} */
    const silence = await api("/api/silences", {
      method: "POST",
      body: JSON.stringify({
        executionId: execution.id,
        duration: element("silence-duration", HTMLSelectElement).value,
        comment: input("silence-comment").value,
        createdBy: input("silence-by").value || "runbridge console",
      }),
    });
    dialog.close();
    say(
      `Silenced ${execution.alertname} until ${new Date(silence.endsAt).toLocaleString()} (silence ${silence.silenceId}).`,
    );
  } catch (error) {
    say(`Silence not created: ${messageOf(error)}`, "error");
    dialog.close();
  }
}

// ---- live feed -------------------------------------------------------------------------

/**
 * @param {string} text
 * @param {"live" | "connecting" | "down"} kind
 */
function streamState(text, kind) {
  const pill = $("stream-state");
  pill.textContent = `feed: ${text}`;
  pill.dataset.state = kind;
}

/** @param {AuditEventJson} event */
function addEvent(event) {
  state.lastEventId = event.id;
  const feed = $("feed");
  const item = el("li", { data: { kind: event.kind, id: String(event.id) } }, [
    el("time", { text: time(event.at) }),
    el("span", { className: `kind kind-${event.kind.split(".")[0]}`, text: event.kind }),
    el("span", { className: "alertname", text: event.alertname ?? "" }),
    el("span", { className: "text", text: event.message }),
  ]);
  feed.prepend(item);
  while (feed.children.length > FEED_LIMIT) feed.lastElementChild?.remove();
  scheduleRefresh();
}

/**
 * @param {string} type the frame's `event` field
 * @param {string} data its `data`, JSON
 */
function handleFrame(type, data) {
  if (type === "audit") addEvent(/** @type {EventFrames["audit"]} */ (JSON.parse(data)));
  else if (type === "ready" || type === "heartbeat") streamState("live", "live");
  else if (type === "reset") {
    // A reconnect must resume from the bridge's newest event, not from the id that caused the reset.
    state.lastEventId = /** @type {EventFrames["reset"]} */ (JSON.parse(data)).lastEventId;
    $("feed").replaceChildren();
    scheduleRefresh();
  }
}

function eventsUrl() {
  const params = new URLSearchParams({ backlog: "50" });
  const kind = input("filter-kind").value.trim();
  const alertname = input("filter-alertname").value.trim();
  if (kind) params.set("kind", kind);
  if (alertname) params.set("alertname", alertname);
  return `/api/events?${params}`;
}

// Without a token: the browser's EventSource (reconnects and sends Last-Event-ID by itself).
/** @param {string} url */
function openEventSource(url) {
  const source = new EventSource(url);
  for (const type of FRAME_TYPES) {
    source.addEventListener(type, (event) => handleFrame(type, event.data));
  }
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      streamState("needs the API token", "down");
    } else streamState("reconnecting", "connecting");
  };
  return { close: () => source.close() };
}

// With a token: EventSource cannot send headers, so read the stream with fetch and keep
// the same contract — reconnect after `retry` ms with Last-Event-ID.
/** @param {string} url */
function openFetchStream(url) {
  const controller = new AbortController();
  let retryMs = 3000;
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      try {
        /** @type {Record<string, string>} */
        const headers = { authorization: `Bearer ${state.token}`, accept: "text/event-stream" };
        if (state.lastEventId !== undefined) headers["last-event-id"] = String(state.lastEventId);
        const response = await fetch(url, { headers, signal: controller.signal });
        if (response.status === 401) {
          streamState("token refused", "down");
          say("The API token was refused: check it and enter it again.", "error");
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        const parser = createSseParser({
          onEvent: (event) => handleFrame(event.type, event.data),
          onRetry: (ms) => {
            retryMs = ms;
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.push(value);
        }
      } catch (error) {
        if (stopped) return;
        streamState(`reconnecting (${messageOf(error)})`, "connecting");
      }
      if (stopped) return;
      streamState("reconnecting", "connecting");
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };
  void run();
  return {
    close: () => {
      stopped = true;
      controller.abort();
    },
  };
}

function connect() {
  state.stream?.close();
  streamState("connecting", "connecting");
  const url = eventsUrl();
  state.stream = state.token ? openFetchStream(url) : openEventSource(url);
}

// ---- wiring ----------------------------------------------------------------------------

function renderToken() {
  $("token-state").textContent = state.token ? "set for this tab" : "not set: read-only";
  $("token-forget").hidden = !state.token;
  input("token-input").value = "";
}

/** @param {string} token */
function useToken(token) {
  state.token = token;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  renderToken();
  state.lastEventId = undefined;
  $("feed").replaceChildren();
  connect();
  void refreshStatus();
  void refreshExecutions();
  void refreshScorecard();
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  useToken(input("token-input").value.trim());
  say(state.token ? "API token set for this tab (kept in sessionStorage)." : "API token cleared.");
});
$("token-forget").addEventListener("click", () => {
  useToken("");
  say("API token forgotten.");
});
$("kill-switch").addEventListener("click", toggleKillSwitch);
$("silence-form").addEventListener("submit", submitSilence);
$("execution-close").addEventListener("click", () => element("execution-dialog", HTMLDialogElement).close());
element("scorecard-window", HTMLSelectElement).addEventListener("change", renderScorecard);
$("scorecard-form").addEventListener("submit", (event) => event.preventDefault());
$("feed-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  state.lastEventId = undefined;
  $("feed").replaceChildren();
  connect();
});

renderToken();
connect();
void refreshStatus();
void refreshExecutions();
void refreshScorecard();
setInterval(() => {
  void refreshStatus();
  void refreshExecutions();
  void refreshScorecard();
}, 30_000);
