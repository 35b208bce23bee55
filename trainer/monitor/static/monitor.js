// The live monitor page: polls the JSON API and renders each panel.
//
// Every value from the API is put into the page with textContent or as a
// text node, never parsed as HTML, so a file name or log line containing
// markup shows as text. The control secret comes from the URL fragment
// (#secret=...), which the browser never sends to any server, and goes out
// only in the Authorization header of control requests to this monitor.
"use strict";

(function () {
  const REFRESH_MS = 3000;
  // Poll faster while a control request waits for the daemon's acknowledgement.
  const FAST_REFRESH_MS = 1000;
  const LOG_LINES = 200;
  const QUEUE_PAGE = 100;
  const SECRET_KEY = "trainctl-monitor-secret";
  const CONFIRM = {
    stop: "Stop training? The daemon saves a resumable checkpoint at the next step and stops.",
    skip: "Skip the current file? The daemon abandons it without saving; the model stays as it was.",
  };

  const secret = readSecret();
  const rendered = new Map(); // panel -> JSON of the data last rendered
  let queueOffset = 0;
  let pendingControl = null; // {action, requestId, requestedAt (ms)}
  let lastContact = null;
  let lastStatus = null;
  let timer = null;

  class ApiError extends Error {
    constructor(status, message, hint) {
      super(message);
      this.status = status;
      this.hint = hint || "";
    }
  }

  // --- helpers ---------------------------------------------------------------

  function readSecret() {
    const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("secret");
    try {
      if (fromHash) {
        window.sessionStorage.setItem(SECRET_KEY, fromHash);
        // Keep the secret out of the address bar (screen shares, screenshots);
        // the tab's session storage keeps it across reloads.
        window.history.replaceState(null, "", window.location.pathname);
        return fromHash;
      }
      return window.sessionStorage.getItem(SECRET_KEY);
    } catch (error) {
      return fromHash; // storage disabled: the fragment still works
    }
  }

  // Build an element. Children that are strings or numbers become text nodes.
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else node.setAttribute(name, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function $(id) {
    return document.getElementById(id);
  }

  function setText(id, text) {
    $(id).textContent = text === null || text === undefined ? "" : String(text);
  }

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  function formatTime(iso) {
    if (!iso) return "–";
    const moment = new Date(iso);
    if (Number.isNaN(moment.getTime())) return String(iso);
    return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())} ` +
      `${pad(moment.getHours())}:${pad(moment.getMinutes())}:${pad(moment.getSeconds())}`;
  }

  // Compact local time for table cells ("Dec 4, 19:50"). The full time is in the title.
  function shortTime(iso) {
    if (!iso) return "–";
    const moment = new Date(iso);
    if (Number.isNaN(moment.getTime())) return String(iso);
    return moment.toLocaleString("en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  function timeCell(iso) {
    return el("td", { className: "time", title: iso ? formatTime(iso) : null }, shortTime(iso));
  }

  function baseName(path) {
    return String(path).split("/").pop();
  }

  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
    const total = Math.max(0, Math.round(seconds));
    if (total < 60) return `${total} s`;
    const minutes = Math.floor(total / 60);
    if (minutes < 60) return `${minutes} min ${pad(total % 60)} s`;
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return `${hours} h ${pad(minutes % 60)} min`;
    return `${Math.floor(hours / 24)} d ${hours % 24} h`;
  }

  function formatNumber(value, decimals) {
    if (value === null || value === undefined) return "–";
    return Number(value).toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  }

  function formatLoss(value) {
    return value === null || value === undefined ? "–" : Number(value).toFixed(4);
  }

  function formatRate(value) {
    return value === null || value === undefined ? "–" : Number(value).toExponential(1);
  }

  function formatBytes(bytes) {
    if (bytes === null || bytes === undefined) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = Number(bytes);
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
  }

  function priorityLabel(priority) {
    const names = { 10: "high", 0: "normal", "-10": "low" };
    return names[priority] !== undefined ? `${names[priority]} (${priority})` : String(priority);
  }

  function plural(count, noun, nounPlural) {
    return `${formatNumber(count, 0)} ${count === 1 ? noun : nounPlural || noun + "s"}`;
  }

  async function getJSON(path) {
    const response = await fetch(path, { cache: "no-store", headers: { Accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!response.ok) {
      const message = body && typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
      throw new ApiError(response.status, message, body && body.hint);
    }
    return body;
  }

  function panelError(error) {
    const text = error.hint ? `${error.message}\n${error.hint}` : error.message;
    return el("div", { className: "panel-error" }, text);
  }

  function table(headers, rows) {
    const head = el("tr", null, ...headers.map(([label, cls]) => el("th", { className: cls }, label)));
    return el("div", { className: "table-wrap" }, el("table", null, el("thead", null, head), el("tbody", null, ...rows)));
  }

  // Renders a panel only when its data changed, so scroll positions and
  // text selections survive the polling.
  function renderPanel(panel, data, render) {
    const key = JSON.stringify(data);
    if (rendered.get(panel) === key) return;
    rendered.set(panel, key);
    render(data);
  }

  // --- daemon state ------------------------------------------------------------

  function renderStatus(status) {
    lastStatus = status;
    const state = status.state || "unknown";
    const badge = $("state");
    badge.textContent = state;
    badge.dataset.state = state;

    const job = status.job;
    setText("job-file", job && job.file ? job.file : "");

    let note = status.note || "";
    if (!note && status.updated_at) {
      note = `status written ${formatTime(status.updated_at)}` +
        (status.age_seconds !== null ? ` (${formatDuration(status.age_seconds)} ago)` : "");
    }
    if (status.daemon_pid !== null && status.daemon_pid !== undefined) note += ` · daemon pid ${status.daemon_pid}`;
    setText("state-note", note);

    const step = job ? job.step : null;
    const maxSteps = job ? job.max_steps : null;
    const fraction = step !== null && maxSteps ? Math.min(1, step / maxSteps) : 0;
    $("progress-bar").style.width = `${(fraction * 100).toFixed(1)}%`;
    setText("progress-steps", job ? `step ${formatNumber(step, 0)} of ${maxSteps ? formatNumber(maxSteps, 0) : "?"}` : "no job running");
    setText("progress-percent", job && maxSteps ? `${(fraction * 100).toFixed(1)} %` : "");

    setText("stat-step", job ? formatNumber(step, 0) : "–");
    setText("stat-epoch", job && job.epoch !== null ? formatNumber(job.epoch, 2) : "–");
    setText("stat-loss", job ? formatLoss(job.loss) : "–");
    setText("stat-lr", job ? formatRate(job.learning_rate) : "–");
    setText("stat-tps", job && job.tokens_per_second !== null ? formatNumber(job.tokens_per_second, 0) : "–");
    setText("stat-eta", job ? formatDuration(job.eta_seconds) : "–");
    setText("stat-version", status.current_version || "–");
    setText("stat-queue", status.queue_length !== null && status.queue_length !== undefined ? formatNumber(status.queue_length, 0) : "–");

    const warnings = [];
    const active = ["idle", "training", "paused", "stopping"].includes(state);
    if (status.recorded_state) {
      warnings.push(`The daemon (pid ${status.daemon_pid}) is no longer running; its last recorded state was ` +
        `${status.recorded_state}. Start it again with 'trainctl daemon'.`);
    } else if (active && status.daemon_alive === false) {
      warnings.push(`The status says ${state}, but daemon process ${status.daemon_pid} is not running. Start it with 'trainctl daemon'.`);
    }
    if (status.stale) {
      warnings.push(`No status update for ${formatDuration(status.age_seconds)}: the daemon may be stalled.`);
    }
    setText("state-warning", warnings.join(" "));
    setText("last-error", status.last_error ? `Last error: ${status.last_error}` : "");

    const banner = $("banner");
    banner.textContent = status.problem ? `Status file problem: ${status.problem}` : "";
    banner.hidden = !status.problem;

    const history = status.loss_history || [];
    const evalHistory = status.eval_loss_history || [];
    renderPanel("chart", [history, evalHistory], () => drawChart());
    const points = status.loss_points || 0;
    setText("chart-count", points > history.length
      ? `${formatNumber(points, 0)} logged steps, ${formatNumber(history.length, 0)} drawn`
      : plural(points, "logged step"));

    updateControlFeedback(status);
  }

  function drawChart() {
    const status = lastStatus || {};
    window.LossChart.render($("loss-chart"), [
      { key: "train", label: "train loss", className: "train", points: status.loss_history || [] },
      { key: "eval", label: "eval loss", className: "eval", points: status.eval_loss_history || [] },
    ]);
  }

  // --- controls ------------------------------------------------------------------

  function setupControls() {
    const buttons = document.querySelectorAll("#controls button");
    if (!secret) {
      buttons.forEach((button) => { button.disabled = true; });
      showFeedback("error", "Controls are off: open the address with #secret=… that 'trainctl monitor' printed.");
      return;
    }
    buttons.forEach((button) => button.addEventListener("click", () => sendControl(button.dataset.action)));
  }

  function showFeedback(state, text) {
    const feedback = $("control-feedback");
    feedback.dataset.state = state;
    feedback.textContent = text;
  }

  async function sendControl(action) {
    if (CONFIRM[action] && !window.confirm(CONFIRM[action])) return;
    showFeedback("sending", `Sending ${action}…`);
    let response;
    try {
      response = await fetch(`/api/control/${action}`, {
        method: "POST",
        cache: "no-store",
        headers: { Authorization: `Bearer ${secret}` },
      });
    } catch (error) {
      showFeedback("error", `${action} not sent: the monitor server is unreachable.`);
      return;
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!response.ok) {
      const message = body && body.error ? body.error : `HTTP ${response.status}`;
      const hint = body && body.hint ? ` ${body.hint}` : "";
      showFeedback("error", `${message}.${hint}`);
      return;
    }
    const requestedAt = Date.parse(body.requested_at);
    pendingControl = {
      action,
      requestId: body.request_id || null,
      requestedAt: Number.isNaN(requestedAt) ? Date.now() : requestedAt,
    };
    showFeedback("pending", `${action} requested at ${formatTime(body.requested_at)}: ${body.effect}. Waiting for the daemon…`);
    scheduleRefresh(0);
  }

  function updateControlFeedback(status) {
    if (!pendingControl) return;
    const control = status.control || {};
    // The acknowledgement carries the id of the request it acknowledges. One
    // without an id counts only when it is newer than the request.
    let answers;
    if (control.request_id && pendingControl.requestId) {
      answers = control.request_id === pendingControl.requestId;
    } else {
      const at = Date.parse(control.at || "");
      answers = !Number.isNaN(at) && at >= pendingControl.requestedAt;
    }
    if (control.acknowledged === pendingControl.action && answers) {
      showFeedback("acknowledged", `The daemon acknowledged ${pendingControl.action}` +
        (control.at ? ` at ${formatTime(control.at)}.` : "."));
      pendingControl = null;
    } else if (!status.daemon_alive && !pendingControl.noDaemonShown) {
      pendingControl.noDaemonShown = true;
      showFeedback("pending", `${pendingControl.action} requested, but no daemon is running: the request stays ` +
        "in control/ and applies when 'trainctl daemon' starts.");
    }
  }

  // --- tables --------------------------------------------------------------------

  function renderQueue(queue) {
    const body = $("queue-body");
    const running = (queue.states && queue.states.running) || 0;
    setText("queue-count", queue.total ? plural(queue.total, "entry", "entries") +
      (running ? ` · ${running} running` : "") : "");
    if (!queue.total) {
      body.replaceChildren(el("div", { className: "empty" }, "The queue is empty. Drop .jsonl files into inbox/ to add training data."));
      return;
    }
    const rows = queue.entries.map((entry) => el("tr", { "data-id": entry.id },
      el("td", { className: "num" }, entry.position),
      el("td", { className: "mono file" }, entry.file),
      el("td", { className: "nowrap" }, priorityLabel(entry.priority)),
      el("td", null, entry.state),
      el("td", { className: "num" }, entry.lines === null || entry.lines === undefined ? "–" : formatNumber(entry.lines, 0)),
      timeCell(entry.added_at)));
    const parts = [table([["#", "num"], ["File"], ["Priority"], ["State"], ["Lines", "num"], ["Added"]], rows)];
    if (queue.total > queue.entries.length) {
      const first = queue.offset + 1;
      const last = queue.offset + queue.entries.length;
      const previous = el("button", { type: "button", className: "small" }, "‹ Previous");
      const next = el("button", { type: "button", className: "small" }, "Next ›");
      previous.disabled = queue.offset === 0;
      next.disabled = last >= queue.total;
      previous.addEventListener("click", () => { queueOffset = Math.max(0, queueOffset - QUEUE_PAGE); scheduleRefresh(0); });
      next.addEventListener("click", () => { queueOffset += QUEUE_PAGE; scheduleRefresh(0); });
      parts.push(el("div", { className: "pager", id: "queue-pager" }, previous,
        `showing ${formatNumber(first, 0)}–${formatNumber(last, 0)} of ${formatNumber(queue.total, 0)}`, next));
    }
    body.replaceChildren(...parts);
  }

  function renderVersions(data) {
    const body = $("versions-body");
    setText("versions-count", data.total > data.versions.length
      ? `newest ${data.versions.length} of ${formatNumber(data.total, 0)}` : (data.total ? plural(data.total, "version") : ""));
    if (!data.total) {
      body.replaceChildren(el("div", { className: "empty" }, "No versions yet. 'trainctl init-model' records the first one."));
      return;
    }
    const rows = data.versions.map((version) => el("tr", { className: version.current ? "current" : null, "data-id": version.id },
      el("td", { className: "mono nowrap" }, version.id,
        version.current ? el("span", { className: "tag" }, "current") : null,
        version.pinned ? el("span", { className: "tag pin" }, "pinned") : null),
      timeCell(version.created_at),
      el("td", null, version.reason,
        version.stop_reason && version.stop_reason !== "completed" ? el("span", { className: "tag warn" }, version.stop_reason) : null),
      el("td", { className: "mono file", title: version.data_files.join("\n") || null },
        version.data_files.length ? version.data_files.map(baseName).join(", ") : "–"),
      el("td", { className: "num" }, formatLoss(version.final_loss)),
      el("td", { className: "num" }, formatBytes(version.total_bytes))));
    body.replaceChildren(table([["Version"], ["Created"], ["Reason"], ["Data"], ["Final loss", "num"], ["Size", "num"]], rows));
  }

  function renderBackups(data) {
    const body = $("backups-body");
    setText("backups-count", data.total > data.backups.length
      ? `newest ${data.backups.length} of ${formatNumber(data.total, 0)}` : (data.total ? plural(data.total, "backup") : ""));
    if (!data.total) {
      body.replaceChildren(el("div", { className: "empty" }, "No backups yet. Create one with 'trainctl backups create'."));
      return;
    }
    const rows = data.backups.map((backup) => el("tr", { "data-id": backup.id },
      el("td", { className: "mono" }, backup.id),
      el("td", { className: "mono" }, backup.version_id),
      el("td", null, backup.kind),
      timeCell(backup.created_at),
      el("td", { className: backup.verified ? "verified nowrap" : "unverified nowrap", title: backup.verified_at ? formatTime(backup.verified_at) : null },
        backup.verified ? `✓ verified ${shortTime(backup.verified_at)}` : "✗ not verified"),
      el("td", { className: "mono file target" }, backup.target)));
    body.replaceChildren(table([["Backup"], ["Version"], ["Kind"], ["Created"], ["Verification"], ["Target"]], rows));
  }

  function renderApprovals(data) {
    const body = $("approvals-body");
    setText("approvals-count", data.total ? plural(data.total, "request") : "");
    if (!data.total) {
      body.replaceChildren(el("div", { className: "empty" }, "No approval requests are waiting."));
      return;
    }
    const items = data.requests.map((request) => {
      const copy = el("button", { type: "button", className: "small" }, "Copy");
      copy.addEventListener("click", () => {
        if (navigator.clipboard) navigator.clipboard.writeText(request.grant_command).then(() => { copy.textContent = "Copied"; });
      });
      return el("div", { className: "approval", "data-id": request.id },
        el("div", { className: "meta" }, `${request.id} · rule ${request.rule} · requested ${formatTime(request.created_at)}` +
          (request.expires_at ? ` · expires ${formatTime(request.expires_at)}` : "")),
        el("div", { className: "summary mono" }, request.summary),
        el("div", { className: "command" }, el("code", null, request.grant_command), copy));
    });
    body.replaceChildren(el("p", { className: "note" }, "Approving needs a person at a terminal: run the command there."), ...items);
  }

  function renderLog(data) {
    const body = $("log-body");
    const files = data.files.join(", ");
    setText("log-meta", files ? `${files} · last ${plural(data.lines.length, "line")}` : "");
    if (!data.lines.length) {
      body.replaceChildren(el("div", { className: "empty" }, "No daemon log yet (logs/daemon_YYYYMMDD.log)."));
      return;
    }
    const existing = body.querySelector(".log");
    const atBottom = !existing || existing.scrollTop + existing.clientHeight >= existing.scrollHeight - 4;
    const lines = data.lines.map((line) => {
      const level = /\b(ERROR|CRITICAL|Traceback)\b/.test(line) ? "level-error" : /\bWARNING\b/.test(line) ? "level-warning" : null;
      return el("div", { className: level }, line);
    });
    const log = el("pre", { className: "log" }, ...lines);
    body.replaceChildren(log);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  // --- polling -------------------------------------------------------------------

  const PANELS = [
    ["status", () => "/api/status", renderStatus, null],
    ["queue", () => `/api/queue?offset=${queueOffset}&limit=${QUEUE_PAGE}`, renderQueue, "queue-body"],
    ["versions", () => "/api/versions", renderVersions, "versions-body"],
    ["backups", () => "/api/backups", renderBackups, "backups-body"],
    ["approvals", () => "/api/approvals", renderApprovals, "approvals-body"],
    ["log", () => `/api/log?lines=${LOG_LINES}`, renderLog, "log-body"],
  ];

  async function refresh() {
    const results = await Promise.allSettled(PANELS.map(([, path]) => getJSON(path())));
    let reached = false;
    results.forEach((result, index) => {
      const [name, , render, bodyId] = PANELS[index];
      if (result.status === "fulfilled") {
        reached = true;
        if (name === "status") render(result.value);
        else renderPanel(name, result.value, render);
        return;
      }
      if (!(result.reason instanceof ApiError)) return; // network failure: keep the last data
      reached = true;
      rendered.delete(name);
      if (bodyId) {
        $(bodyId).replaceChildren(panelError(result.reason));
      } else {
        const banner = $("banner");
        banner.textContent = `Cannot read the status: ${result.reason.message}`;
        banner.hidden = false;
      }
    });
    setConnection(reached);
  }

  function setConnection(reached) {
    const connection = $("connection");
    if (reached) {
      lastContact = new Date();
      connection.dataset.state = "live";
      setText("connection-text", `live · updated ${formatTime(lastContact.toISOString()).slice(11)}`);
    } else {
      connection.dataset.state = "lost";
      setText("connection-text", lastContact
        ? `monitor server unreachable since ${formatTime(lastContact.toISOString()).slice(11)}`
        : "monitor server unreachable");
    }
  }

  function scheduleRefresh(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      try {
        await refresh();
      } finally {
        const waiting = pendingControl && !pendingControl.noDaemonShown;
        scheduleRefresh(waiting ? FAST_REFRESH_MS : REFRESH_MS);
      }
    }, delay);
  }

  async function loadInfo() {
    try {
      const info = await getJSON("/api/info");
      setText("workspace", info.workspace);
      document.title = `Training monitor · ${info.workspace}`;
    } catch (error) {
      setText("workspace", "");
    }
  }

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => { if (lastStatus) drawChart(); }, 150);
  });

  setupControls();
  loadInfo();
  scheduleRefresh(0);
})();
