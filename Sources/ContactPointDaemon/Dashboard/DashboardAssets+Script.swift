extension DashboardAssets {
    /// The page's script: plain JavaScript, no library. It calls the JSON API with the
    /// browser's client certificate, sends `X-ContactPoint-Request: dashboard` with every
    /// state-changing request (the daemon refuses a browser's request without it), and builds
    /// the page with DOM calls only: every text from a request is set as text, never as HTML.
    static let script = #"""
    "use strict";
    (function () {
    const $main = document.getElementById("main");
    const $status = document.getElementById("status");
    const $cue = document.getElementById("cue");
    const path = location.pathname;
    const state = { session: null, lastUpdate: null, streamOpen: false, fetchFailed: false, ticking: [] };

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
      if (response.ok) { state.lastUpdate = new Date(); renderStatus(); return { status: response.status, json }; }
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
      const age = state.lastUpdate ? (Date.now() - state.lastUpdate.getTime()) / 1000 : null;
      let cls, text;
      if (state.fetchFailed) { cls = "down"; text = "Disconnected: retrying"; }
      else if (!state.streamOpen) { cls = state.lastUpdate ? "reconnecting" : "connecting"; text = state.lastUpdate ? "Reconnecting" : "Connecting"; }
      else if (age !== null && age > 45) { cls = "stale"; text = "Stale"; }
      else { cls = "live"; text = "Live"; }
      if (state.lastUpdate) text += " · updated " + state.lastUpdate.toLocaleTimeString() + (age > 5 ? " (" + duration(age) + " ago)" : "");
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
      source.onopen = () => { state.streamOpen = true; state.lastUpdate = new Date(); renderStatus(); };
      source.onerror = () => { state.streamOpen = false; renderStatus(); };
      source.addEventListener("alert", (e) => {
        state.lastUpdate = new Date();
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

    // ---- Queue ----
    const filterNames = { direction: ["", "incoming", "outgoing"], priority: null, state: null, overdue: ["", "true", "false"] };
    async function queuePage() {
      const params = new URLSearchParams(location.search);
      const filters = el("form", { class: "filters", role: "search", "aria-label": "Filter the queue" });
      const choices = { direction: filterNames.direction, priority: [""].concat(state.session.priorities),
                        state: [""].concat(state.session.states), overdue: filterNames.overdue };
      for (const [name, values] of Object.entries(choices)) {
        const id = "filter-" + name;
        const select = el("select", { id, name }, values.map((v) => el("option", { value: v, text: v === "" ? "any" : v })));
        select.value = params.get(name) || "";
        select.addEventListener("change", () => filters.requestSubmit());
        filters.append(el("div", {}, el("label", { for: id, text: name }), select));
      }
      filters.append(el("button", { type: "submit", text: "Apply" }));
      filters.addEventListener("submit", (e) => {
        e.preventDefault();
        const q = new URLSearchParams();
        for (const name of Object.keys(choices)) { const v = filters.elements[name].value; if (v) q.set(name, v); }
        history.replaceState(null, "", "/" + (q.toString() ? "?" + q : ""));
        load();
      });
      const holder = el("div", { id: "queue" });
      show(el("h1", { text: "Queue" }), filters, holder);
      async function load() {
        const q = new URLSearchParams(location.search);
        q.set("limit", "500");
        const r = await api("GET", "/v1/queue?" + q);
        if (!r.json) return clear(holder).append(problemBox(r.problem));
        state.ticking = [];
        clear(holder).append(queueTable(r.json, false));
      }
      alertListeners.push(load);
      await load();
      setInterval(load, 10000);
    }
    function queueTable(queue, wall) {
      if (!queue.items.length) return el("p", { text: "No open requests" + (location.search ? " match these filters." : ".") });
      if (wall) return wallTable(queue);
      const head = ["Reference", "Direction", "Counterpart", "Kind", "Priority", "State", "Next deadline", "Time"];
      const rows = queue.items.map((item) => {
        const d = item.next_deadline;
        const ref = el("a", { href: "/requests/" + item.id, text: item.reference });
        return el("tr", { class: item.overdue ? "overdue" : "", "data-id": item.id },
          el("td", {}, ref, " ", levelBadge(item.escalation_level)),
          el("td", { text: item.direction }), el("td", { text: item.counterpart }), el("td", { text: item.kind }),
          el("td", {}, priorityBadge(item.priority)), el("td", { text: item.state }),
          el("td", {}, d ? d.kind + " · owed by " + d.owed_by + " · " + fmtTime(d.due_at) : "—"),
          el("td", {}, d ? countdown(d.seconds_left) : "—"));
      });
      return el("table", {}, el("caption", { class: "sr", text: queue.count + " open requests" }),
        el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, rows));
    }

    // Fewer, larger columns for a screen read from across the room.
    function wallTable(queue) {
      const head = ["Request", "With", "Priority", "Next deadline", "Time"];
      const rows = queue.items.map((item) => {
        const d = item.next_deadline;
        return el("tr", { class: item.overdue ? "overdue" : "", "data-id": item.id },
          el("td", {}, el("span", { text: item.reference }), " ", levelBadge(item.escalation_level)),
          el("td", { text: (item.direction === "incoming" ? "from " : "to ") + item.counterpart }),
          el("td", { text: item.priority }),
          el("td", { text: d ? d.kind + " · " + d.owed_by : "—" }),
          el("td", {}, d ? countdown(d.seconds_left) : "—"));
      });
      return el("table", {}, el("caption", { class: "sr", text: queue.count + " open requests" }),
        el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, rows));
    }

    // ---- Wall: overdue first, then next due; nothing to click ----
    async function wallPage() {
      document.body.classList.add("wall");
      const holder = el("div", {});
      show(holder);
      async function load() {
        const [r, h] = await Promise.all([api("GET", "/v1/queue?limit=200"), api("GET", "/healthz")]);
        if (!r.json) return clear(holder).append(problemBox(r.problem));
        const items = r.json.items.slice().sort((a, b) => {
          if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
          if (a.overdue && a.escalation_level !== b.escalation_level) return b.escalation_level - a.escalation_level;
          const sa = a.next_deadline ? a.next_deadline.seconds_left : Infinity, sb = b.next_deadline ? b.next_deadline.seconds_left : Infinity;
          return sa - sb;
        });
        state.ticking = [];
        const overdue = items.filter((i) => i.overdue).length;
        clear(holder).append(
          el("div", { class: "counts" },
            el("div", {}, el("span", { class: "n", text: String(r.json.count) }), " open"),
            el("div", { class: overdue ? "late" : "" }, el("span", { class: "n", text: String(overdue) }), " overdue"),
            h.json ? el("div", { class: "muted", text: (state.session.contact_points || []).join(", ") + " · " + h.json.role }) : null),
          queueTable({ items: items.slice(0, 25), count: r.json.count }, true));
      }
      alertListeners.push(load);
      await load();
      setInterval(load, 5000);
    }

    // ---- Alerts ----
    async function alertsPage() {
      const toggle = el("input", { type: "checkbox", id: "sound" });
      toggle.checked = soundOn;
      toggle.addEventListener("change", () => { soundOn = toggle.checked; localStorage.setItem("contactpoint.sound", soundOn ? "on" : "off"); if (soundOn) beep(); });
      const list = el("ul", { class: "alerts", "aria-live": "polite", id: "alert-list" });
      show(el("h1", { text: "Alerts" }),
        el("div", { class: "row" }, toggle, el("label", { for: "sound", text: "Sound for level 2 and above" })), list);
      const item = (a) => el("li", { class: a.level >= 2 ? "high" : "", "data-alert-id": String(a.id) },
        levelBadge(a.level), " ", el("strong", { text: a.reason }), " ",
        el("a", { href: "/requests/" + a.request_id, text: a.reference }), " ",
        el("span", { text: a.summary }), " ", el("span", { class: "muted", text: fmtTime(a.at) }));
      const r = await api("GET", "/v1/alerts?limit=200");
      if (!r.json) return list.append(problemBox(r.problem));
      for (const a of r.json.alerts) list.append(item(a));
      if (!r.json.alerts.length) list.append(el("li", { class: "muted empty", text: "No alerts yet." }));
      alertListeners.push((a) => {
        const empty = list.querySelector(".empty"); if (empty) empty.remove();
        if (!list.querySelector('[data-alert-id="' + a.id + '"]')) list.prepend(item(a));
      });
    }

    // ---- One request ----
    const contentLabels = { reference: "Reference", kind: "Kind", priority: "Priority", language: "Language",
      authority: "Requesting authority", offence: "Offence", data: "Data to preserve", custodian: "Custodian or location",
      necessity: "Necessity (why preserve now)", mla_intended: "MLA request intended", emergency: "Emergency facts",
      confidential: "Confidential (do not notify the user)", extends: "Follows on from", case_reference: "Case reference",
      attachments: "Attachments" };
    function valueNode(v) {
      if (v === null || v === undefined) return el("span", { class: "muted", text: "—" });
      if (typeof v !== "object") return el("span", { text: typeof v === "boolean" ? (v ? "yes" : "no") : String(v) });
      if (Array.isArray(v)) return el("ol", {}, v.map((x) => el("li", {}, valueNode(x))));
      return el("dl", { class: "kv" }, Object.entries(v).flatMap(([k, x]) => [el("dt", { text: k.replace(/_/g, " ") }), el("dd", {}, valueNode(x))]));
    }
    function sidesOf(view) {
      const mine = state.session.contact_points;
      const sides = [];
      if (mine.includes(view.from)) sides.push("requesting");
      if (mine.includes(view.to)) sides.push("requested");
      return sides;
    }
    async function requestPage(id) {
      const r = await api("GET", "/v1/requests/" + encodeURIComponent(id));
      if (!r.json) return show(el("h1", { text: "Request" }), problemBox(r.problem));
      const v = r.json;
      state.ticking = [];
      const req = v.request || {};
      const deadlines = el("table", {}, el("thead", {}, el("tr", {}, ["Deadline", "Due", "Owed by", "Time", "Level"].map((h) => el("th", { scope: "col", text: h })))),
        el("tbody", {}, v.deadlines.map((d) => el("tr", { class: d.overdue ? "overdue" : "" },
          el("td", { text: d.kind }), el("td", { text: fmtTime(d.due_at) }), el("td", { text: ownerName(d.owed_by) }),
          el("td", {}, countdown(d.seconds_left)), el("td", {}, levelBadge(d.escalation_level) || "—")))));
      const content = el("dl", { class: "kv", id: "content" });
      for (const [k, x] of Object.entries(req)) {
        if (["id", "from", "to"].includes(k)) continue;
        content.append(el("dt", { text: contentLabels[k] || k }), el("dd", { "data-member": k }, valueNode(x)));
      }
      const timeline = el("ol", { class: "timeline" }, v.history.map((e) => el("li", { class: ["escalated", "reminded", "expired"].includes(e.type) ? "alert" : "" },
        el("strong", { text: e.type }), " ", el("span", { class: "muted", text: fmtTime(e.at) + " · " + e.actor }),
        e.type === "submitted" ? null : el("details", {}, el("summary", { text: "details" }), valueNode(e.details)))));
      const links = el("ul", {});
      if (v.links && v.links.extends) links.append(el("li", {}, "Follows on from ", el("a", { href: "/requests/" + v.links.extends, text: v.links.extends })));
      for (const f of (v.links ? v.links.extended_by : [])) links.append(el("li", {}, "Followed by ", el("a", { href: "/requests/" + f, text: f })));
      const disclosures = v.history.filter((e) => e.type === "traffic-disclosed");
      const followOn = [];
      if (disclosures.length && sidesOf(v).includes("requesting")) {
        const providers = disclosures[disclosures.length - 1].details.service_providers || [];
        for (const country of [...new Set(providers.map((p) => p.country))]) {
          followOn.push(el("li", {}, el("a", { href: "/submit?from_disclosure=" + encodeURIComponent(v.id) + "&to=" + encodeURIComponent(country),
            text: "Draft the Art. 43 follow-on request to " + country })));
        }
      }
      show(
        el("h1", {}, "Request ", el("span", { text: v.reference }), " ", levelBadge(v.escalation_level)),
        el("dl", { class: "kv", id: "summary" },
          el("dt", { text: "From → to" }), el("dd", { text: ownerName(v.from) + " → " + ownerName(v.to) }),
          el("dt", { text: "Kind, priority" }), el("dd", {}, v.kind + " ", priorityBadge(v.priority)),
          el("dt", { text: "State" }), el("dd", { id: "state", text: v.state }),
          el("dt", { text: "Submitted" }), el("dd", { text: fmtTime(v.submitted_at) }),
          v.expires_at ? [el("dt", { text: "Preservation ends" }), el("dd", { text: fmtTime(v.expires_at) })] : null,
          el("dt", { text: "Id" }), el("dd", { text: v.id })),
        v.content_erased ? el("p", { class: "notice", text: "Content erased " + fmtTime(v.content_erased.at) + " by " + v.content_erased.by + ": " + (v.content_erased.reason || v.content_erased.why || "") }) : null,
        el("h2", { text: "Actions" }), actionsPanel(v),
        el("h2", { text: "Deadlines" }), v.deadlines.length ? deadlines : el("p", { class: "muted", text: "No running deadline in this state." }),
        el("h2", { text: "What to preserve: the request" }), content,
        el("h2", { text: "Links" }), links.children.length ? links : el("p", { class: "muted", text: "No linked request." }),
        followOn.length ? el("ul", {}, followOn) : null,
        el("h2", { text: "History" }), timeline);
      if (!state.watchingRequest) {  // once per page, however often the view is redrawn
        state.watchingRequest = true;
        alertListeners.push((a) => { if (a.request_id === v.id) requestPage(id); });
      }
    }

    // Each action's fields (docs/api.md), drawn as a small form.
    const actionFields = {
      acknowledge: [], proceed: [],
      preserve: [{ name: "provider_reference", label: "Provider's reference", required: true },
                 { name: "partial", label: "Only part of the data was preserved", type: "checkbox" },
                 { name: "preserved_until", label: "Preserved until (optional)", type: "datetime-local" }],
      "report-no-data": [{ name: "reason", label: "Reason", type: "textarea", required: true }],
      refuse: [{ name: "ground", label: "Treaty ground", type: "select", options: () => state.session.refusal_grounds, required: true },
               { name: "reason", label: "Reason", type: "textarea", required: true }],
      "notify-risk": [{ name: "reason", label: "Why preservation would not ensure availability or would threaten confidentiality", type: "textarea", required: true }],
      "disclose-traffic": [{ name: "service_providers", label: "Providers in a third State: one per line, NAME, CC", type: "textarea", required: true },
                           { name: "path_summary", label: "Path of the communication", type: "textarea", required: true }],
      extend: [{ name: "days", label: "Extend by (days)", type: "number" },
               { name: "until", label: "or: preserved until", type: "datetime-local" }],
      "link-mla": [{ name: "mla_reference", label: "MLA request reference", required: true },
                   { name: "sent_at", label: "Sent at", type: "datetime-local", required: true }],
      withdraw: [{ name: "reason", label: "Reason", type: "textarea", required: true }],
      disclose: [{ name: "provider_reference", label: "Provider's reference for the disclosure", required: true },
                 { name: "handed_over", label: "How the data were handed over (channel, to whom, protection)", type: "textarea", required: true }],
      release: [{ name: "reason", label: "Reason", type: "textarea", required: true }],
    };
    function toRFC3339(local) { if (!local) return undefined; const d = new Date(local); return isNaN(d) ? local : d.toISOString().replace(/\.\d{3}Z$/, "Z"); }
    function actionsPanel(v) {
      const sides = sidesOf(v);
      const allowed = state.session.actions.filter((a) => sides.includes(a.side) && a.states.includes(v.state) && a.kinds.includes(v.kind));
      const panel = el("div", { class: "actions", id: "actions" });
      const formHolder = el("div", { id: "action-form" });
      if (!allowed.length) return el("p", { class: "muted", text: "No action is open to your side in state " + v.state + "." });
      for (const a of allowed) {
        panel.append(el("button", { type: "button", "data-action": a.name, onclick: () => openAction(a.name) , text: a.name.replace(/-/g, " ") }));
      }
      function openAction(name) {
        const fields = actionFields[name] || [];
        const form = el("form", { class: "panel", "aria-label": name, novalidate: true });
        const inputs = {};
        form.append(el("h3", { text: name.replace(/-/g, " ") }));
        for (const f of fields) {
          const id = "act-" + f.name;
          let input;
          if (f.type === "textarea") input = el("textarea", { id, name: f.name });
          else if (f.type === "select") input = el("select", { id, name: f.name }, el("option", { value: "", text: "choose…" }), f.options().map((o) => el("option", { value: o, text: o })));
          else input = el("input", { id, name: f.name, type: f.type || "text" });
          input.required = !!f.required;
          inputs[f.name] = input;
          const err = el("p", { class: "error", id: id + "-error", "data-error-for": f.name, hidden: true });
          input.setAttribute("aria-describedby", err.id);
          form.append(el("div", { class: "field" }, f.type === "checkbox" ? [input, " ", el("label", { for: id, text: f.label, class: "inline" })]
                                                   : [el("label", { for: id, class: f.required ? "mandatory" : "", text: f.label }), input], err));
        }
        const summary = el("div", {});
        const submit = el("button", { type: "submit", text: "Confirm " + name.replace(/-/g, " ") });
        form.append(summary, el("div", { class: "row" }, submit, el("button", { type: "button", class: "secondary", onclick: () => clear(formHolder), text: "Cancel" })));
        form.addEventListener("submit", async (e) => {
          e.preventDefault();
          const body = {};
          for (const f of fields) {
            const input = inputs[f.name];
            if (f.type === "checkbox") { if (input.checked) body[f.name] = true; continue; }
            const value = input.value.trim();
            if (!value) continue;
            if (f.type === "number") body[f.name] = Number(value);
            else if (f.type === "datetime-local") body[f.name] = toRFC3339(value);
            else if (f.name === "service_providers") body[f.name] = value.split("\n").filter((l) => l.trim()).map((l) => {
              const i = l.lastIndexOf(","); return i < 0 ? { name: l.trim(), country: "" } : { name: l.slice(0, i).trim(), country: l.slice(i + 1).trim().toUpperCase() };
            });
            else body[f.name] = value;
          }
          submit.disabled = true;
          const r = await api("POST", "/v1/requests/" + v.id + "/" + name, fields.length ? body : undefined);
          submit.disabled = false;
          if (r.json) return requestPage(v.id);
          showFieldErrors(form, r.problem, summary);
        });
        clear(formHolder).append(form);
        const first = form.querySelector("input, textarea, select, button");
        if (first) first.focus();
      }
      return el("div", {}, panel, formHolder);
    }

    // Puts each of a problem's errors next to its field; the rest in a summary.
    function showFieldErrors(form, problem, summary) {
      for (const p of form.querySelectorAll("[data-error-for]")) { p.hidden = true; p.textContent = ""; }
      for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
      const rest = [];
      let first = null;
      for (const e of problem.errors || []) {
        const slot = form.querySelector('[data-error-for="' + CSS.escape(e.field) + '"]');
        if (slot) {
          slot.textContent = e.reason; slot.hidden = false;
          const input = form.querySelector('[name="' + CSS.escape(e.field) + '"]');
          if (input) { input.setAttribute("aria-invalid", "true"); first = first || input; }
        } else rest.push(e);
      }
      clear(summary).append(problemBox(Object.assign({}, problem, { errors: rest })));
      (first || summary).focus && (first || summary).focus();
    }

    // ---- Submit a request ----
    const DRAFT = "contactpoint.draft";
    const treaty = "UN art. 42 / Budapest art. 29";
    function newID() {
      if (crypto.randomUUID) return crypto.randomUUID();
      const b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
      const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
      return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    }
    async function submitPage() {
      const params = new URLSearchParams(location.search);
      let draft = null;
      try { draft = JSON.parse(localStorage.getItem(DRAFT) || "null"); } catch (e) { draft = null; }
      let note = null;
      if (params.get("from_disclosure")) {
        const prefilled = await followOnDraft(params.get("from_disclosure"), params.get("to"));
        if (prefilled.problem) note = problemBox(prefilled.problem);
        else { draft = prefilled.draft; note = el("p", { class: "notice", text: "Art. 43 follow-on request, prefilled from the disclosure. Check every field before sending." }); }
      }
      if (!draft || !draft.id) draft = { id: newID(), request: { kind: "preservation", priority: "urgent", language: "en", mla_intended: true, data: [{ identifiers: [{}] }] } };
      const req = draft.request;
      const form = el("form", { id: "submit-form", novalidate: true, "aria-describedby": "form-help" });
      const summary = el("div", { id: "form-problems", tabindex: "-1" });
      const save = () => { collect(); localStorage.setItem(DRAFT, JSON.stringify(draft)); };
      const mine = state.session.contact_points;
      const others = state.session.directory.map((c) => c.code);

      // A field bound to a path of the request ("offence.summary", "data[0].description").
      function get(p) { return p.split(/\.|\[|\]\.?/).filter(Boolean).reduce((o, k) => (o == null ? undefined : o[k]), req); }
      function field(p, label, opts) {
        opts = opts || {};
        const id = "f-" + p.replace(/[^a-z0-9]+/gi, "-");
        let input;
        if (opts.type === "textarea") input = el("textarea", { id, name: p });
        else if (opts.type === "select") input = el("select", { id, name: p }, (opts.options || []).map((o) => el("option", { value: o, text: o === "" ? "choose…" : o })));
        else if (opts.type === "checkbox") input = el("input", { id, name: p, type: "checkbox" });
        else input = el("input", { id, name: p, type: opts.type || "text", maxlength: opts.max || null, autocomplete: "off" });
        const v = get(p);
        if (opts.type === "checkbox") input.checked = !!v;
        else if (opts.type === "datetime-local") input.value = v ? String(v).replace(/Z$/, "").slice(0, 16) : "";
        else if (v !== undefined && v !== null) input.value = String(v);
        input.dataset.path = p;
        input.dataset.kind = opts.type || "text";
        if (opts.required) input.dataset.required = opts.required;
        const err = el("p", { class: "error", id: id + "-error", "data-error-for": p, hidden: true });
        input.setAttribute("aria-describedby", err.id);
        input.addEventListener("input", () => { validateOne(input); save(); });
        input.addEventListener("change", () => { validateOne(input); save(); });
        const lab = el("label", { for: id, class: (opts.required ? "mandatory" : "") + (opts.type === "checkbox" ? " inline" : "") }, label,
          opts.required === "treaty" ? el("span", { class: "treaty", text: " (mandatory for preservation: " + treaty + ")" }) : null);
        return opts.type === "checkbox" ? el("div", { class: "field" }, input, " ", lab, err) : el("div", { class: "field" }, lab, input, err);
      }
      function validateOne(input) {
        const slot = form.querySelector('[data-error-for="' + CSS.escape(input.dataset.path) + '"]');
        let reason = "";
        const value = input.type === "checkbox" ? input.checked : input.value.trim();
        // The treaty's mandatory fields are required of a preservation request (docs/api.md); the others say so by kind.
        const kind = form.elements["kind"] ? form.elements["kind"].value : req.kind;
        const needed = input.dataset.required === "treaty" ? kind === "preservation" : !!input.dataset.required;
        if (needed && input.type !== "checkbox" && !value && isShown(input)) reason = "required";
        if (input.dataset.path === "to" && value && value === form.elements["from"].value) reason = "must differ from \"from\"";
        if (input.dataset.path === "reference" && /[\n\r]/.test(value)) reason = "one line";
        if (slot) { slot.textContent = reason; slot.hidden = !reason; }
        if (reason) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
        return !reason;
      }
      function isShown(input) { return !input.closest("[hidden]"); }
      function collect() {
        for (const input of form.querySelectorAll("[data-path]")) {
          const p = input.dataset.path, keys = p.split(/\.|\[|\]\.?/).filter(Boolean);
          let o = req;
          for (let i = 0; i < keys.length - 1; i++) { const k = keys[i]; if (o[k] == null) o[k] = /^\d+$/.test(keys[i + 1]) ? [] : {}; o = o[k]; }
          const last = keys[keys.length - 1];
          let value;
          if (input.type === "checkbox") value = input.checked;
          else if (input.dataset.kind === "datetime-local") value = input.value ? toRFC3339(input.value) : undefined;
          else value = input.value === "" ? undefined : input.value;
          if (value === undefined) delete o[last]; else o[last] = value;
        }
      }
      // The body as the API wants it: empty members left out, the emergency block only for emergencies.
      function body() {
        collect();
        const b = JSON.parse(JSON.stringify(req));
        b.id = draft.id;
        const prune = (o) => {
          if (Array.isArray(o)) return o.map(prune).filter((x) => x !== undefined && !(typeof x === "object" && !Array.isArray(x) && !Object.keys(x).length));
          if (o && typeof o === "object") {
            for (const k of Object.keys(o)) { o[k] = prune(o[k]); if (o[k] === undefined || o[k] === "" || (typeof o[k] === "object" && o[k] !== null && !Array.isArray(o[k]) && !Object.keys(o[k]).length)) delete o[k]; }
            return o;
          }
          return typeof o === "string" ? o.trim() : o;
        };
        prune(b);
        if (b.kind !== "emergency-disclosure") delete b.emergency;
        for (const item of b.data || []) if (item.identifiers && !item.identifiers.length) delete item.identifiers;
        if (b.data && !b.data.length) delete b.data;
        if (!b.confidential) delete b.confidential;
        return b;
      }

      const dataHolder = el("div", { id: "data-items" });
      function drawData() {
        collect();
        clear(dataHolder);
        if (!req.data || !req.data.length) req.data = [{ identifiers: [{}] }];
        req.data.forEach((item, i) => {
          const base = "data[" + i + "]";
          const ids = el("div", {});
          (item.identifiers || []).forEach((_, j) => {
            ids.append(el("div", { class: "row" },
              field(base + ".identifiers[" + j + "].type", "Identifier type (email, ip, account…)"),
              field(base + ".identifiers[" + j + "].value", "Identifier value"),
              el("button", { type: "button", class: "secondary", onclick: () => { collect(); item.identifiers.splice(j, 1); drawData(); save(); }, text: "Remove identifier " + (j + 1) })));
          });
          dataHolder.append(el("fieldset", {}, el("legend", { text: "Data item " + (i + 1) }),
            field(base + ".description", "What data", { required: "treaty" }),
            field(base + ".relation_to_offence", "Relation to the offence", { type: "textarea", required: "treaty" }),
            el("div", { class: "row" }, field(base + ".period.from", "Period from", { type: "datetime-local" }), field(base + ".period.to", "Period to", { type: "datetime-local" })),
            ids,
            el("div", { class: "row" },
              el("button", { type: "button", class: "secondary", onclick: () => { collect(); (item.identifiers = item.identifiers || []).push({}); drawData(); save(); }, text: "Add identifier" }),
              req.data.length > 1 ? el("button", { type: "button", class: "secondary", onclick: () => { collect(); req.data.splice(i, 1); drawData(); save(); }, text: "Remove data item " + (i + 1) }) : null)));
        });
      }
      if (!req.from && mine.length === 1) req.from = mine[0];
      const emergencyBlock = el("fieldset", { id: "emergency-block" }, el("legend", { text: "Emergency (Second Protocol art. 9; UN art. 41)" }),
        field("emergency.facts", "Facts showing the imminent risk to life or safety", { type: "textarea", required: "yes" }),
        field("emergency.data_relevance", "Why these data avert it", { type: "textarea" }));
      const kindSelect = field("kind", "Kind", { type: "select", options: state.session.kinds, required: "yes" });
      const prioritySelect = field("priority", "Priority", { type: "select", options: state.session.priorities, required: "yes" });
      const syncKind = () => {
        const kind = form.elements["kind"] ? form.elements["kind"].value : req.kind;
        emergencyBlock.hidden = kind !== "emergency-disclosure";
        if (kind === "emergency-disclosure" && form.elements["priority"]) form.elements["priority"].value = "emergency";
      };
      form.append(
        el("p", { id: "form-help", class: "muted" }, "Fields marked * are required; those marked ", el("em", { text: treaty }), " are what the Convention makes mandatory for a preservation request. The draft is kept in this browser until the request is stored."),
        summary,
        el("fieldset", {}, el("legend", { text: "The request" }),
          field("reference", "Your reference", { required: "yes", max: 64 }),
          el("div", { class: "row" },
            field("from", "From (your contact point)", { type: "select", options: [""].concat(mine), required: "yes" }),
            field("to", "To (the requested contact point)", { type: "select", options: [""].concat(others), required: "yes" })),
          el("div", { class: "row" }, kindSelect, prioritySelect, field("language", "Language (BCP 47)", { max: 35 })),
          field("case_reference", "Case reference"),
          field("extends", "Follows on from (request id)")),
        emergencyBlock,
        el("fieldset", {}, el("legend", { text: "Authority and offence" }),
          el("div", { class: "row" }, field("authority.name", "Requesting authority", { required: "treaty" }), field("authority.contact", "Authority contact", { required: "treaty" })),
          el("div", { class: "row" }, field("offence.description", "Offence", { required: "treaty" }), field("offence.legal_provision", "Legal provision")),
          field("offence.summary", "Summary of the facts", { type: "textarea", required: "treaty" })),
        el("fieldset", {}, el("legend", { text: "Data to preserve" }), dataHolder,
          el("button", { type: "button", class: "secondary", onclick: () => { collect(); req.data.push({ identifiers: [{}] }); drawData(); save(); }, text: "Add data item" })),
        el("fieldset", {}, el("legend", { text: "Custodian, necessity, follow-up" }),
          el("div", { class: "row" }, field("custodian.name", "Custodian (provider)", { required: "treaty" }), field("custodian.location", "Custodian location")),
          field("necessity", "Necessity: why the data must be preserved now", { type: "textarea", required: "treaty" }),
          field("mla_intended", "A mutual legal assistance request will follow", { type: "checkbox" }),
          field("confidential", "Confidential: the provider must not notify the user", { type: "checkbox" })));
      drawData();
      const submit = el("button", { type: "submit", id: "submit-button", text: "Send request" });
      const discard = el("button", { type: "button", class: "secondary", text: "Discard draft",
        onclick: () => { localStorage.removeItem(DRAFT); location.assign("/submit"); } });
      form.append(el("div", { class: "row" }, submit, discard, el("span", { class: "muted", text: "Request id " + draft.id })));
      form.elements["kind"].addEventListener("change", syncKind);
      syncKind();
      let inFlight = false;
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        if (inFlight) return;  // a double click sends once; a retry later sends the same id
        let ok = true;
        for (const input of form.querySelectorAll("[data-path]")) ok = validateOne(input) && ok;
        save();
        if (!ok) {
          clear(summary).append(el("div", { class: "problems", role: "alert", text: "Some fields need attention: they are marked below." }));
          const bad = form.querySelector('[aria-invalid="true"]'); if (bad) bad.focus();
          return;
        }
        inFlight = true; submit.disabled = true; submit.textContent = "Sending…";
        const r = await api("POST", "/v1/requests", body());
        inFlight = false; submit.disabled = false; submit.textContent = "Send request";
        if (r.json) { localStorage.removeItem(DRAFT); location.assign("/requests/" + r.json.id); return; }
        showFieldErrors(form, r.problem, summary);  // the draft stays: nothing typed is lost
      });
      show(el("h1", { text: "New request" }), note, form);
      save();
    }
    async function followOnDraft(id, to) {
      const r = await api("GET", "/v1/requests/" + encodeURIComponent(id));
      if (!r.json) return { problem: r.problem };
      const v = r.json;
      const disclosures = v.history.filter((e) => e.type === "traffic-disclosed");
      const last = disclosures[disclosures.length - 1];
      if (!last) return { problem: { title: "No traffic disclosure", detail: "request " + v.reference + " has no disclose-traffic event", errors: [] } };
      const providers = last.details.service_providers || [];
      const target = to || (providers[0] && providers[0].country);
      const named = providers.filter((p) => p.country === target).map((p) => p.name);
      const req = JSON.parse(JSON.stringify(v.request || {}));
      delete req.id;
      req.to = target;
      req.extends = v.id;
      req.reference = ((req.reference || "") + "-" + target).slice(0, 64);
      req.custodian = { name: named.join(", "), location: target };
      req.necessity = "Traffic data disclosed by " + v.to + " under Art. 43 (Budapest art. 30) show the communication passed through "
        + named.join(", ") + " in " + target + ": " + (last.details.path_summary || "");
      if (!req.data || !req.data.length) req.data = [{ identifiers: [{}] }];
      return { draft: { id: newID(), request: req } };
    }

    // ---- Compliance: on-time rates and time to acknowledge, as inline SVG ----
    const SVGNS = "http://www.w3.org/2000/svg";
    function svg(tag, attrs, ...children) {
      const node = document.createElementNS(SVGNS, tag);
      for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
      for (const c of children.flat(Infinity)) if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
      return node;
    }
    function rateChart(title, rows) {
      const w = 560, rowH = 22, left = 190, right = 110, h = rows.length * rowH + 40;
      const chart = svg("svg", { viewBox: "0 0 " + w + " " + h, width: "100%", role: "img", "aria-label": title },
        svg("title", {}, title),
        [0, 0.5, 1].map((t) => [svg("line", { x1: left + t * (w - left - right), x2: left + t * (w - left - right), y1: 10, y2: h - 24, stroke: "#c8c8c8" }),
                                svg("text", { x: left + t * (w - left - right), y: h - 8, "text-anchor": "middle" }, Math.round(t * 100) + "%")]),
        rows.map((r, i) => {
          const y = 12 + i * rowH, width = r.on_time_rate === null ? 0 : r.on_time_rate * (w - left - right);
          const colour = r.on_time_rate === null ? "#c8c8c8" : r.on_time_rate >= 0.95 ? "#1d6b2f" : r.on_time_rate >= 0.8 ? "#7a4b00" : "#a4001d";
          return [svg("text", { x: left - 6, y: y + 14, "text-anchor": "end" }, r.kind + " · " + r.priority),
                  svg("rect", { x: left, y: y + 3, width: Math.max(width, 0), height: rowH - 6, fill: colour }),
                  svg("text", { x: left + width + 4, y: y + 14 }, r.total ? Math.round(r.on_time_rate * 100) + "% of " + r.total : "none")];
        }));
      return chart;
    }
    function histogram(title, dist) {
      const w = 520, h = 200, left = 40, bottom = 40, labels = ["≤5m", "≤15m", "≤1h", "≤4h", "≤24h", "≤72h", ">72h"];
      const max = Math.max(1, ...dist.buckets.map((b) => b.count));
      const bw = (w - left - 10) / dist.buckets.length;
      return svg("svg", { viewBox: "0 0 " + w + " " + h, width: "100%", role: "img", "aria-label": title + ": " + dist.count + " requests" },
        svg("title", {}, title),
        svg("line", { x1: left, x2: w - 10, y1: h - bottom, y2: h - bottom, stroke: "#4a4a4a" }),
        dist.buckets.map((b, i) => {
          const bh = (b.count / max) * (h - bottom - 20);
          return [svg("rect", { x: left + i * bw + 4, y: h - bottom - bh, width: bw - 8, height: bh, fill: "#0b4f9c" }),
                  svg("text", { x: left + i * bw + bw / 2, y: h - bottom + 16, "text-anchor": "middle" }, labels[i] || ""),
                  svg("text", { x: left + i * bw + bw / 2, y: h - bottom - bh - 4, "text-anchor": "middle" }, String(b.count))];
        }));
    }
    async function compliancePage() {
      const r = await api("GET", "/v1/stats/compliance");
      if (!r.json) return show(el("h1", { text: "Compliance" }), problemBox(r.problem));
      const holder = el("div", {});
      const tabs = el("div", { class: "tabs", role: "group", "aria-label": "Window" });
      const draw = (days) => {
        for (const b of tabs.children) b.setAttribute("aria-pressed", String(b.dataset.days === String(days)));
        const win = r.json.windows.find((w) => w.days === days);
        const ours = win.deadlines.filter((d) => d.owed_by === "us"), theirs = win.deadlines.filter((d) => d.owed_by === "partners");
        const table = el("table", {}, el("caption", { class: "sr", text: "On-time rates, last " + days + " days" }),
          el("thead", {}, el("tr", {}, ["Owed by", "Deadline", "Priority", "On time", "Late", "Late, unanswered", "Rate"].map((h) => el("th", { scope: "col", text: h })))),
          el("tbody", {}, win.deadlines.filter((d) => d.total > 0).map((d) => el("tr", {},
            el("td", { text: d.owed_by }), el("td", { text: d.kind }), el("td", { text: d.priority }), el("td", { text: String(d.on_time) }),
            el("td", { text: String(d.late) }), el("td", { text: String(d.late_unanswered) }), el("td", { text: Math.round(d.on_time_rate * 100) + "%" })))));
        const t = win.time_to_acknowledge;
        const med = (d) => d.count ? "median " + duration(d.median_seconds) + ", 90th percentile " + duration(d.p90_seconds) + ", " + d.count + " requests" : "no acknowledgement in this window";
        clear(holder).append(
          el("div", { class: "charts" },
            el("div", { class: "panel" }, el("h2", { text: "Our deadlines kept, last " + days + " days" }), rateChart("Our on-time rate by deadline and priority", ours)),
            el("div", { class: "panel" }, el("h2", { text: "Partners' deadlines kept, last " + days + " days" }), rateChart("Partners' on-time rate by deadline and priority", theirs)),
            el("div", { class: "panel" }, el("h2", { text: "Time for us to acknowledge" }), el("p", { text: med(t.us) }), histogram("Time for us to acknowledge", t.us)),
            el("div", { class: "panel" }, el("h2", { text: "Time for partners to acknowledge" }), el("p", { text: med(t.partners) }), histogram("Time for partners to acknowledge", t.partners))),
          el("h2", { text: "Figures" }), table.querySelector("tbody").children.length ? table : el("p", { class: "muted", text: "No deadline closed or missed in this window." }));
      };
      for (const days of r.json.windows.map((w) => w.days)) {
        tabs.append(el("button", { type: "button", "data-days": String(days), onclick: () => draw(days), text: days + " days" }));
      }
      show(el("h1", { text: "Compliance" }), el("p", { class: "muted", text: "From the log, " + fmtTime(r.json.generated_at) + ", for " + r.json.contact_points.join(", ") + ". A deadline counts when it was answered, or when it fell due unanswered." }), tabs, holder);
      draw(30);
    }

    // ---- start ----
    async function start() {
      const s = await api("GET", "/v1/session");
      if (!s.json) return show(el("h1", { text: "ContactPoint" }), problemBox(s.problem));
      state.session = s.json;
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
