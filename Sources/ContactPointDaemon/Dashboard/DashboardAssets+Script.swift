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

    // ---- texts: every text a person reads comes from the catalogue (docs/translating.md) ----
    // `/v1/session` gives the templates in the negotiated language: a string with {placeholders},
    // or for a plural entry one string per CLDR category, chosen by Intl.PluralRules.
    const FSI = "\u2068", PDI = "\u2069";  // isolates each filled-in value in a right-to-left page
    function template(key, count) {
      const messages = (state.session && state.session.messages) || {};
      let text = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : null;
      if (text && typeof text === "object") {
        let form = "other";
        try { form = new Intl.PluralRules(state.session.language).select(Number(count) || 0); } catch (e) { form = "other"; }
        text = typeof text[form] === "string" ? text[form] : text.other;
      }
      return typeof text === "string" ? text : null;
    }
    function has(key) { return template(key, 0) !== null; }
    // The template cut at its placeholders: literal texts at even places, the values (strings or
    // nodes) at odd ones. A placeholder with no value stays as it is; a missing key is the key.
    function parts(key, args, count) {
      const text = template(key, count);
      if (text === null) return [key];
      const out = [];
      const re = /\{([^{}]+)\}/g;
      let last = 0, m;
      while ((m = re.exec(text))) {
        out.push(text.slice(last, m.index));
        const name = m[1];
        if (args && args[name] !== undefined && args[name] !== null) out.push(args[name]);
        else if (name === "count" && count !== undefined && count !== null) out.push(String(count));
        else out.push(m[0]);
        last = re.lastIndex;
      }
      out.push(text.slice(last));
      return out;
    }
    const rtl = () => document.documentElement.dir === "rtl";
    // t("dash.queue.heading"), t("dash.request.follow-on", { code: "US" }), t("dash.compliance.days", null, 7)
    function t(key, args, count) {
      const iso = rtl();
      return parts(key, args, count).map((p, i) => (i % 2 && iso ? FSI + String(p) + PDI : String(p))).join("");
    }
    // The same, as nodes for el(): a value may be an element (a link, a span that holds a code).
    function tNodes(key, args, count) {
      const iso = rtl();
      return parts(key, args, count).map((p, i) => (typeof p === "object" ? p : i % 2 && iso ? FSI + String(p) + PDI : String(p))).filter((p) => p !== "");
    }
    const listSeparator = () => t("dash.list.separator");
    // A code's name where the catalogue has one (roles, actions, fields), else the code.
    function named(prefix, code, fallback) { return has(prefix + code) ? t(prefix + code) : (fallback !== undefined ? fallback : code); }

    // ---- the API ----
    async function api(method, url, body) {
      const headers = { "Accept": "application/json" };
      // The language the person chose on the page; else the browser sends its own.
      let chosen = null;
      try { chosen = localStorage.getItem("contactpoint.lang"); } catch (e) { chosen = null; }
      if (chosen) headers["Accept-Language"] = chosen;
      if (method !== "GET") headers["X-ContactPoint-Request"] = "dashboard";
      if (body !== undefined) headers["Content-Type"] = "application/json";
      let response;
      try {
        response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                      credentials: "same-origin", cache: "no-store" });
      } catch (e) {
        state.fetchFailed = true; renderStatus();
        return { status: 0, problem: { title: t("dash.problem.unreachable"), detail: String(e), errors: [] } };
      }
      state.fetchFailed = false;
      let json = null;
      try { json = await response.json(); } catch (e) { json = null; }
      if (response.ok) { heard(); return { status: response.status, json }; }
      return { status: response.status, problem: json || { title: t("dash.problem.http", { status: response.status }), detail: "", errors: [] } };
    }

    // ---- times ----
    // Times for people: in the session's language, the browser's zone, named.
    const language = () => (state.session ? state.session.language : undefined);
    // The browser's IANA zone, sent as ?tz= where the daemon writes times into texts (alert summaries).
    const browserZone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch (e) { return "UTC"; } };
    const fmtTime = (iso) => { const d = new Date(iso); return isNaN(d) ? iso : d.toLocaleString(language(),
      { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" }); };
    // A duration in its largest units with the language's plurals, the next only when it follows
    // ("3 hours 5 minutes", "1 day", "0 seconds"), as Message.duration(seconds:) in the daemon:
    // two units; a countdown asks for three under a day, so that its seconds move.
    function duration(seconds, most) {
      most = most || 2;
      const units = [["duration.days", 86400], ["duration.hours", 3600], ["duration.minutes", 60], ["duration.seconds", 1]];
      let rest = Math.abs(Math.round(seconds));
      const found = [];
      for (const [key, size] of units) {
        const n = Math.floor(rest / size);
        if (n > 0 || (size === 1 && !found.length)) { found.push(t(key, null, n)); rest -= n * size; }
        else if (found.length) break;
        if (found.length === most) break;
      }
      return found.reduceRight((second, first) => t("duration.pair", { first, second }));
    }
    // A countdown from the server's seconds_left, advanced by this page's monotonic clock, so a
    // wrong clock on the officer's computer does not change what is shown.
    function countdown(secondsLeft, level) {
      const start = performance.now();
      const span = el("span", { class: "countdown" });
      const tick = () => {
        const left = secondsLeft - (performance.now() - start) / 1000;
        span.className = "countdown " + (left < 0 ? "late" : left < 3600 ? "soon" : "");
        const d = duration(left, Math.abs(left) < 86400 ? 3 : 2);
        span.textContent = left < 0 ? t("dash.countdown.overdue", { duration: d }) : t("dash.countdown.left", { duration: d });
      };
      tick();
      state.ticking.push(tick);
      return span;
    }
    setInterval(() => { for (const tick of state.ticking) tick(); renderStatus(); }, 1000);

    // ---- connection status: never a frozen screen that looks live ----
    function renderStatus() {
      if (!state.session && !state.fetchFailed) return;  // until the texts are here, the page's "Connecting…"
      const age = state.lastHeard === null ? null : (performance.now() - state.lastHeard) / 1000;
      let cls, text;
      if (state.fetchFailed) { cls = "down"; text = t("dash.status.down"); }
      else if (!state.streamOpen) { cls = age !== null ? "reconnecting" : "connecting"; text = age !== null ? t("dash.status.reconnecting") : t("dash.status.connecting"); }
      else if (age !== null && age > 45) { cls = "stale"; text = t("dash.status.stale"); }
      else { cls = "live"; text = t("dash.status.live"); }
      if (age !== null && state.clock) {
        const time = daemonTime(state.lastHeard).toLocaleTimeString(language());
        text = age > 5 ? t("dash.status.updated-ago", { status: text, time, duration: duration(age) }) : t("dash.status.updated", { status: text, time });
      }
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
        el("span", { text: t("dash.cue.level", { level: alert.level, summary: alert.summary }) }), " ",
        el("a", { href: "/requests/" + alert.request_id, text: t("dash.cue.open", { reference: alert.reference }), class: "on-dark" }),
        el("button", { type: "button", class: "secondary", onclick: () => { $cue.hidden = true; }, text: t("dash.cue.dismiss") }));
      $cue.hidden = false;
      beep();
    }
    function openStream() {
      // The stream resumes where this browser tab last was (an id kept across page loads).
      const last = sessionStorage.getItem("contactpoint.lastAlert");
      // EventSource sends no headers of its own: the page's language goes as ?lang= (the session's, which
      // is the switcher's choice or the browser's Accept-Language as the daemon negotiated it).
      const q = new URLSearchParams();
      if (last) q.set("last_event_id", last);
      q.set("lang", state.session.language);
      q.set("tz", browserZone());  // the summaries' times in the reader's zone
      const source = new EventSource("/v1/alerts/stream?" + q);
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
        el("strong", { text: problem.title || t("dash.problem.error") }), " ", problem.detail || "",
        (problem.errors || []).length ? el("ul", {}, problem.errors.map((e) => el("li", { text: e.field ? t("dash.problem.field", { field: e.field, reason: e.reason }) : e.reason }))) : null);
    }
    function levelBadge(level) { return level > 0 ? el("span", { class: "badge level", text: t("dash.level.badge", { level }), title: t("dash.level.title", { level }) }) : null; }
    function priorityBadge(p) { return el("span", { class: "badge " + p, text: p }); }
    function ownerName(code) {
      const cp = (state.session.directory || []).find((c) => c.code === code);
      return cp ? t("dash.owner", { code, name: cp.name }) : code;
    }
    // The page in the session's language: lang and dir, the document's own texts, the switcher.
    function applyLanguage() {
      const s = state.session;
      const languages = s.languages || [];
      const current = languages.find((l) => l.code === s.language);
      document.documentElement.lang = s.language || "en";
      document.documentElement.dir = current && current.rtl ? "rtl" : "ltr";
      for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
      for (const node of document.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
      const select = document.getElementById("lang");
      clear(select).append(...languages.map((l) => el("option", { value: l.code, lang: l.code, dir: l.rtl ? "rtl" : "ltr", text: l.name })));
      select.value = s.language;
      select.addEventListener("change", () => {
        try { localStorage.setItem("contactpoint.lang", select.value); } catch (e) { /* storage off: this page only */ }
        location.reload();
      });
      document.getElementById("lang-switch").hidden = false;
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
      applyLanguage();
      renderStatus();
      const roles = s.json.roles.map((r) => t("dash.who.role", { role: named("role.", r.role), code: r.contact_point })).join(listSeparator());
      document.getElementById("who").textContent = t("dash.who", { identity: s.json.identity, roles });
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
      show(el("h1", { text: t("dash.notfound") }));
    }
    start();
    })();
    """#
}
