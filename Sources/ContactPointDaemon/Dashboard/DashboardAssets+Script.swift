extension DashboardAssets {
    /// The page's script: plain JavaScript, no library. It calls the JSON API with the
    /// browser's client certificate, sends `X-ContactPoint-Request: dashboard` with every
    /// state-changing request (the daemon refuses a browser's request without it), and builds
    /// the page with DOM calls only: every text from a request is set as text, never as HTML.
    static let script = [scriptCore, scriptLists, scriptRequest, scriptSubmit, scriptCompliance, scriptStart].joined(separator: "\n")

    /// The script's opening: helpers that set text as text, the API call, the page's one clock
    /// (the daemon's), the connection status and the alert stream every page holds.
    static let scriptCore = #"""
    "use strict";
    (function () {
    const $main = document.getElementById("main");
    const $status = document.getElementById("status");
    const $cue = document.getElementById("cue");
    const path = location.pathname;
    // One clock, the daemon's: `/v1/session` says its time, and the page advances it on its own
    // monotonic clock (performance.now), so neither a wrong computer clock nor a jump in it
    // changes what the page shows. `lastHeard` is when the daemon last answered, on that clock.
    const state = { session: null, clock: null, lastHeard: null, streamOpen: false, fetchFailed: false, ticking: [] };
    function heard() { state.lastHeard = performance.now(); renderStatus(); }
    function daemonTime(mono) { return new Date(state.clock.at + (mono - state.clock.mono)); }

    // ---- DOM helpers: text is always text ----
    function el(tag, attrs, ...children) {
      const node = document.createElement(tag);
      for (const [k, v] of Object.entries(attrs || {})) {
        if (v === null || v === undefined || v === false) continue;
        if (k === "class") node.className = v;
        else if (k === "text") node.textContent = v;
        else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : String(v));
      }
      for (const c of children.flat(Infinity)) {
        if (c === null || c === undefined || c === false) continue;
        node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
      }
      return node;
    }
    function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
    function show(...nodes) { clear($main).append(...nodes.flat(Infinity).filter(Boolean)); }

    // ---- the API ----
    async function api(method, url, body) {
      const headers = { "Accept": "application/json" };
      if (method !== "GET") headers["X-ContactPoint-Request"] = "dashboard";
      if (body !== undefined) headers["Content-Type"] = "application/json";
      let response;
      try {
        response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                      credentials: "same-origin", cache: "no-store" });
      } catch (e) {
        state.fetchFailed = true; renderStatus();
        return { status: 0, problem: { title: "The daemon cannot be reached", detail: String(e), errors: [] } };
      }
      state.fetchFailed = false;
      let json = null;
      try { json = await response.json(); } catch (e) { json = null; }
      if (response.ok) { heard(); return { status: response.status, json }; }
      return { status: response.status, problem: json || { title: "HTTP " + response.status, detail: "", errors: [] } };
    }

    // ---- times ----
    // Times for people: the browser's zone, named.
    const fmtTime = (iso) => { const d = new Date(iso); return isNaN(d) ? iso : d.toLocaleString(undefined,
      { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" }); };
    function duration(seconds) {
      const s = Math.abs(Math.round(seconds));
      const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      if (d > 0) return d + "d " + h + "h";
      if (h > 0) return h + "h " + String(m).padStart(2, "0") + "m " + String(sec).padStart(2, "0") + "s";
      if (m > 0) return m + "m " + String(sec).padStart(2, "0") + "s";
      return sec + "s";
    }
    // A countdown from the server's seconds_left, advanced by this page's monotonic clock, so a
    // wrong clock on the officer's computer does not change what is shown.
    function countdown(secondsLeft, level) {
      const start = performance.now();
      const span = el("span", { class: "countdown" });
      const tick = () => {
        const left = secondsLeft - (performance.now() - start) / 1000;
        span.className = "countdown " + (left < 0 ? "late" : left < 3600 ? "soon" : "");
        span.textContent = left < 0 ? "overdue by " + duration(-left) : duration(left) + " left";
      };
      tick();
      state.ticking.push(tick);
      return span;
    }
    setInterval(() => { for (const t of state.ticking) t(); renderStatus(); }, 1000);

    // ---- connection status: never a frozen screen that looks live ----
    function renderStatus() {
      const age = state.lastHeard === null ? null : (performance.now() - state.lastHeard) / 1000;
      let cls, text;
      if (state.fetchFailed) { cls = "down"; text = "Disconnected: retrying"; }
      else if (!state.streamOpen) { cls = age !== null ? "reconnecting" : "connecting"; text = age !== null ? "Reconnecting" : "Connecting"; }
      else if (age !== null && age > 45) { cls = "stale"; text = "Stale"; }
      else { cls = "live"; text = "Live"; }
      if (age !== null && state.clock) text += " · updated " + daemonTime(state.lastHeard).toLocaleTimeString() + (age > 5 ? " (" + duration(age) + " ago)" : "");
      $status.className = "status " + cls;
      $status.textContent = text;
      $status.dataset.state = cls;
    }

    // ---- alerts: one stream for every page, resumed with Last-Event-ID ----
    const alertListeners = [];
    let soundOn = localStorage.getItem("contactpoint.sound") === "on";
    function beep() {
      if (!soundOn) return;
      try {
        const ctx = new (window.AudioContext || window.webkitAudioContext)();
        const o = ctx.createOscillator(), g = ctx.createGain();
        o.frequency.value = 880; g.gain.value = 0.2; o.connect(g); g.connect(ctx.destination);
        o.start(); setTimeout(() => { o.stop(); ctx.close(); }, 400);
      } catch (e) { /* no audio device */ }
    }
    function cue(alert) {
      if (alert.level < 2) return;
      clear($cue).append(
        el("span", { text: "Level " + alert.level + ": " + alert.summary }), " ",
        el("a", { href: "/requests/" + alert.request_id, text: "Open " + alert.reference, class: "on-dark" }),
        el("button", { type: "button", class: "secondary", onclick: () => { $cue.hidden = true; }, text: "Dismiss" }));
      $cue.hidden = false;
      beep();
    }
    function openStream() {
      // The stream resumes where this browser tab last was (an id kept across page loads).
      const last = sessionStorage.getItem("contactpoint.lastAlert");
      const source = new EventSource("/v1/alerts/stream" + (last ? "?last_event_id=" + encodeURIComponent(last) : ""));
      source.onopen = () => { state.streamOpen = true; heard(); };
      source.onerror = () => { state.streamOpen = false; renderStatus(); };
      source.addEventListener("alert", (e) => {
        state.lastHeard = performance.now();
        sessionStorage.setItem("contactpoint.lastAlert", e.lastEventId);
        let alert;
        try { alert = JSON.parse(e.data); } catch (err) { return; }
        cue(alert);
        for (const f of alertListeners) f(alert);
        renderStatus();
      });
      // EventSource reconnects by itself; a stream that went quiet is shown as stale above.
    }

    // ---- shared views ----
    function problemBox(problem) {
      return el("div", { class: "problems", role: "alert" },
        el("strong", { text: problem.title || "Error" }), " ", problem.detail || "",
        (problem.errors || []).length ? el("ul", {}, problem.errors.map((e) => el("li", { text: (e.field ? e.field + ": " : "") + e.reason }))) : null);
    }
    function levelBadge(level) { return level > 0 ? el("span", { class: "badge level", text: "L" + level, title: "escalation level " + level }) : null; }
    function priorityBadge(p) { return el("span", { class: "badge " + p, text: p }); }
    function ownerName(code) {
      const cp = (state.session.directory || []).find((c) => c.code === code);
      return cp ? code + " (" + cp.name + ")" : code;
    }
    """#

    /// The script's end: who the reader is, then the view the path names.
    static let scriptStart = #"""
    // ---- start ----
    async function start() {
      const s = await api("GET", "/v1/session");
      if (!s.json) return show(el("h1", { text: "ContactPoint" }), problemBox(s.problem));
      state.session = s.json;
      state.clock = { at: Date.parse(s.json.now), mono: performance.now() };
      document.getElementById("who").textContent = s.json.identity + " · " + s.json.roles.map((r) => r.role + " " + r.contact_point).join(", ");
      const page = path === "/" ? "queue" : path.split("/")[1];
      for (const a of document.querySelectorAll("#nav a")) if (a.dataset.page === page) a.setAttribute("aria-current", "page");
      openStream();
      // A heartbeat on every page, so "updated" and "Stale" mean something on a quiet stream.
      setInterval(() => api("GET", "/healthz"), 15000);
      if (path === "/") return queuePage();
      if (path === "/wall") return wallPage();
      if (path === "/alerts") return alertsPage();
      if (path === "/compliance") return compliancePage();
      if (path === "/submit") return submitPage();
      if (path.startsWith("/requests/")) return requestPage(decodeURIComponent(path.slice("/requests/".length)));
      show(el("h1", { text: "Not found" }));
    }
    start();
    })();
    """#
}
