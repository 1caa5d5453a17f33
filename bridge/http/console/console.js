// The Runbridge console: plain JavaScript, no build step. Alert content is untrusted, so
// every value reaches the page through textContent (never innerHTML), and links are
// made only from http(s) URLs.

const TOKEN_KEY = "runbridge.apiToken";
const FEED_LIMIT = 200;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? "",
  lastEventId: undefined,
  stream: undefined,
  status: undefined,
  refreshTimer: undefined,
  silenceTarget: undefined,
};

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function time(ms) {
  if (!ms) return "";
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour12: false });
}

function say(text, kind = "info") {
  const message = $("message");
  message.textContent = text;
  message.dataset.kind = kind;
}

function safeUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : undefined;
}

async function api(path, init = {}) {
  const headers = { accept: "application/json", ...(init.headers ?? {}) };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { ...init, headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.error ?? `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

// ---- status: kill switch, dry-run, runbooks, breakers -----------------------------------

function renderStatus(status) {
  state.status = status;
  const automation = $("automation-state");
  automation.dataset.state = status.enabled ? "on" : "off";
  automation.textContent = status.enabled ? "automation on" : "automation OFF";
  $("automation-detail").textContent = status.enabled
    ? "Alerts that pass the guards are dispatched to GitHub."
    : "Kill switch engaged: every alert is recorded and suppressed; nothing is dispatched.";
  const toggle = $("kill-switch");
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
  $("runbooks-state").textContent = status.runbooks
    ? `${status.runbooks.count} runbooks · ${status.runbooks.sourceHash.slice(0, 8)}`
    : "no runbooks loaded";
  $("outbox-state").textContent = `outbox ${status.outboxDepth}`;

  const body = $("breakers").querySelector("tbody");
  body.replaceChildren(
    ...status.openBreakers.map((breaker) => {
      const reset = el("button", { type: "button", text: "Reset", disabled: !state.token });
      reset.addEventListener("click", () => resetBreaker(breaker.key));
      return el("tr", { "data-key": breaker.key }, [
        el("td", { className: "mono nowrap", text: breaker.key }),
        el("td", { text: breaker.scope }),
        el("td", { text: time(breaker.openedAt) }),
        el("td", { text: time(breaker.halfOpenAt) }),
        el("td", { text: breaker.reason }),
        el("td", {}, [reset]),
      ]);
    }),
  );
  $("breakers-empty").hidden = status.openBreakers.length > 0;
}

async function refreshStatus() {
  try {
    renderStatus(await api("/api/status"));
  } catch (error) {
    if (error.status === 401)
      say("The bridge needs the API token to show its state: enter it above.", "error");
    else say(`Cannot read the bridge's status: ${error.message}`, "error");
  }
}

async function toggleKillSwitch() {
  const enabled = !state.status?.enabled;
  try {
    await api("/api/kill-switch", {
      method: "POST",
      body: JSON.stringify({ enabled, reason: $("kill-reason").value.trim() || "from the console" }),
    });
    say(enabled ? "Automation resumed." : "Automation stopped: alerts are recorded, nothing is dispatched.");
    $("kill-reason").value = "";
  } catch (error) {
    say(`Kill switch not changed: ${error.message}`, "error");
  }
  await refreshStatus();
}

async function resetBreaker(key) {
  try {
    await api(`/api/breakers/${encodeURIComponent(key)}/reset`, { method: "POST" });
    say(`Breaker ${key} reset.`);
  } catch (error) {
    say(`Breaker ${key} not reset: ${error.message}`, "error");
  }
  await refreshStatus();
}

// ---- executions ------------------------------------------------------------------------

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
  const silence = el("button", { type: "button", text: "Silence", disabled: !state.token });
  silence.title = state.token ? "silence this alert in Alertmanager" : "enter the API token to silence";
  silence.addEventListener("click", () => openSilence(execution));
  return el("tr", { "data-id": execution.id, "data-state": execution.state }, [
    el("td", { className: "nowrap", text: time(execution.createdAt) }),
    el("td", { className: "wrap", text: execution.alertname }),
    el("td", { className: "nowrap", text: execution.runbook ?? "—" }),
    el("td", { className: "mono nowrap", text: execution.target ?? "" }),
    el("td", {}, [el("span", { className: `state state-${execution.state}`, text: execution.state })]),
    el("td", { className: "reason", text: execution.reason }),
    el("td", { className: "nowrap" }, [run]),
    el("td", {}, [silence]),
  ]);
}

async function refreshExecutions() {
  try {
    const { executions } = await api("/api/executions?limit=50");
    $("executions")
      .querySelector("tbody")
      .replaceChildren(...executions.map(executionRow));
    $("executions-empty").hidden = executions.length > 0;
  } catch (error) {
    if (error.status !== 401) say(`Cannot list executions: ${error.message}`, "error");
  }
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => {
    refreshStatus();
    refreshExecutions();
  }, 200);
}

// ---- silences --------------------------------------------------------------------------

function openSilence(execution) {
  state.silenceTarget = execution;
  const labels = execution.alert?.labels ?? { alertname: execution.alertname };
  $("silence-subject").textContent = Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(", ");
  $("silence-comment").value = "";
  $("silence-dialog").showModal();
}

async function submitSilence(event) {
  const submitter = event.submitter?.value;
  if (submitter !== "create") return;
  event.preventDefault();
  const execution = state.silenceTarget;
  try {
    const silence = await api("/api/silences", {
      method: "POST",
      body: JSON.stringify({
        executionId: execution.id,
        duration: $("silence-duration").value,
        comment: $("silence-comment").value,
        createdBy: $("silence-by").value || "runbridge console",
      }),
    });
    $("silence-dialog").close();
    say(
      `Silenced ${execution.alertname} until ${new Date(silence.endsAt).toLocaleString()} (silence ${silence.silenceId}).`,
    );
  } catch (error) {
    say(`Silence not created: ${error.message}`, "error");
    $("silence-dialog").close();
  }
}

// ---- live feed -------------------------------------------------------------------------

function streamState(text, kind) {
  const pill = $("stream-state");
  pill.textContent = `feed: ${text}`;
  pill.dataset.state = kind;
}

function addEvent(event) {
  state.lastEventId = event.id;
  const feed = $("feed");
  const item = el("li", { "data-kind": event.kind, "data-id": String(event.id) }, [
    el("time", { text: time(event.at) }),
    el("span", { className: `kind kind-${event.kind.split(".")[0]}`, text: event.kind }),
    el("span", { className: "alertname", text: event.alertname ?? "" }),
    el("span", { className: "text", text: event.message }),
  ]);
  feed.prepend(item);
  while (feed.children.length > FEED_LIMIT) feed.lastElementChild.remove();
  scheduleRefresh();
}

function handleFrame(type, data) {
  if (type === "audit") addEvent(JSON.parse(data));
  else if (type === "ready" || type === "heartbeat") streamState("live", "live");
  else if (type === "reset") {
    $("feed").replaceChildren();
    scheduleRefresh();
  }
}

function eventsUrl() {
  const params = new URLSearchParams({ backlog: "50" });
  const kind = $("filter-kind").value.trim();
  const alertname = $("filter-alertname").value.trim();
  if (kind) params.set("kind", kind);
  if (alertname) params.set("alertname", alertname);
  return `/api/events?${params}`;
}

// Without a token: the browser's EventSource (reconnects and sends Last-Event-ID by itself).
function openEventSource(url) {
  const source = new EventSource(url);
  for (const type of ["audit", "ready", "heartbeat", "reset"]) {
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
function openFetchStream(url) {
  const controller = new AbortController();
  let retryMs = 3000;
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      try {
        const headers = { authorization: `Bearer ${state.token}`, accept: "text/event-stream" };
        if (state.lastEventId !== undefined) headers["last-event-id"] = String(state.lastEventId);
        const response = await fetch(url, { headers, signal: controller.signal });
        if (response.status === 401) {
          streamState("token refused", "down");
          say("The API token was refused: check it and enter it again.", "error");
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let type = "message";
            const data = [];
            for (const line of block.split("\n")) {
              if (line.startsWith("event: ")) type = line.slice(7);
              else if (line.startsWith("data: ")) data.push(line.slice(6));
              else if (line.startsWith("retry: ")) retryMs = Number(line.slice(7)) || retryMs;
            }
            if (data.length) handleFrame(type, data.join("\n"));
            end = buffer.indexOf("\n\n");
          }
        }
      } catch (error) {
        if (stopped) return;
        streamState(`reconnecting (${error.message})`, "connecting");
      }
      if (stopped) return;
      streamState("reconnecting", "connecting");
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };
  run();
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
  $("token-input").value = "";
}

function useToken(token) {
  state.token = token;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  renderToken();
  state.lastEventId = undefined;
  $("feed").replaceChildren();
  connect();
  refreshStatus();
  refreshExecutions();
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  useToken($("token-input").value.trim());
  say(state.token ? "API token set for this tab (kept in sessionStorage)." : "API token cleared.");
});
$("token-forget").addEventListener("click", () => {
  useToken("");
  say("API token forgotten.");
});
$("kill-switch").addEventListener("click", toggleKillSwitch);
$("silence-form").addEventListener("submit", submitSilence);
$("feed-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  state.lastEventId = undefined;
  $("feed").replaceChildren();
  connect();
});

renderToken();
connect();
refreshStatus();
refreshExecutions();
setInterval(() => {
  refreshStatus();
  refreshExecutions();
}, 30_000);
