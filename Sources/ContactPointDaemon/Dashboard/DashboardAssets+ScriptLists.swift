extension DashboardAssets {
    /// The queue, the wall (overdue first, nothing to click) and the alerts page.
    static let scriptLists = #"""
    // ---- Queue ----
    const filterNames = { direction: ["", "incoming", "outgoing"], priority: null, state: null, overdue: ["", "true", "false"], article: null };
    async function queuePage() {
      const params = new URLSearchParams(location.search);
      const filters = el("form", { class: "filters", role: "search", "aria-label": t("dash.queue.filters") });
      const choices = { direction: filterNames.direction, priority: [""].concat(state.session.priorities),
                        state: [""].concat(state.session.states), overdue: filterNames.overdue,
                        article: [""].concat(state.session.convention_articles.map((a) => a.code)) };
      for (const [name, values] of Object.entries(choices)) {
        const id = "filter-" + name;
        const select = el("select", { id, name }, values.map((v) => el("option", { value: v, text: filterOption(name, v) })));
        select.value = params.get(name) || "";
        select.addEventListener("change", () => filters.requestSubmit());
        filters.append(el("div", {}, el("label", { for: id, text: t("dash.queue.filter." + name) }), select));
      }
      filters.append(el("button", { type: "submit", text: t("dash.queue.apply") }));
      filters.addEventListener("submit", (e) => {
        e.preventDefault();
        const q = new URLSearchParams();
        for (const name of Object.keys(choices)) { const v = filters.elements[name].value; if (v) q.set(name, v); }
        history.replaceState(null, "", "/" + (q.toString() ? "?" + q : ""));
        load();
      });
      const holder = el("div", { id: "queue" });
      show(el("h1", { text: t("dash.queue.heading") }), filters, holder);
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
    // What a filter's choice reads as: codes as they are; "any", a direction and yes/no from the catalogue.
    function filterOption(name, v) {
      if (v === "") return t("dash.queue.any");
      if (name === "direction") return directionName(v);
      if (name === "overdue") return t("dash.queue.overdue-" + v);
      return v;
    }
    function directionName(d) { return named("dash.direction.", d); }
    function queueTable(queue, wall) {
      if (!queue.items.length) return el("p", { text: t(location.search ? "dash.queue.empty-filtered" : "dash.queue.empty") });
      if (wall) return wallTable(queue);
      const head = ["reference", "direction", "counterpart", "kind", "priority", "state", "articles", "next-deadline", "time"].map((h) => t("dash.queue.col." + h));
      const rows = queue.items.map((item) => {
        const d = item.next_deadline;
        const ref = el("a", { href: "/requests/" + item.id, dir: "auto", text: item.reference });
        return el("tr", { class: item.overdue ? "overdue" : "", "data-id": item.id },
          el("td", {}, ref, " ", levelBadge(item.escalation_level)),
          el("td", { text: directionName(item.direction) }), el("td", { text: item.counterpart }), el("td", { text: item.kind }),
          el("td", {}, priorityBadge(item.priority)), el("td", { text: item.state }),
          el("td", {}, el("span", { class: "codes", text: (item.convention_articles || []).join(listSeparator()) || "—" })),
          el("td", {}, d ? t("dash.queue.deadline", { kind: d.kind, owner: d.owed_by, time: fmtTime(d.due_at) }) : "—"),
          el("td", {}, d ? countdown(d.seconds_left) : "—"));
      });
      return el("table", {}, el("caption", { class: "sr", text: t("dash.queue.caption", null, queue.count) }),
        el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))), el("tbody", {}, rows));
    }

    // Fewer, larger columns for a screen read from across the room.
    function wallTable(queue) {
      const head = ["request", "with", "priority", "next-deadline", "time"].map((h) => t("dash.wall.col." + h));
      const rows = queue.items.map((item) => {
        const d = item.next_deadline;
        return el("tr", { class: item.overdue ? "overdue" : "", "data-id": item.id },
          el("td", {}, el("span", { dir: "auto", text: item.reference }), " ", levelBadge(item.escalation_level)),
          el("td", { text: t(item.direction === "incoming" ? "dash.wall.from" : "dash.wall.to", { code: item.counterpart }) }),
          el("td", { text: item.priority }),
          el("td", { text: d ? d.kind + " · " + d.owed_by : "—" }),
          el("td", {}, d ? countdown(d.seconds_left) : "—"));
      });
      return el("table", {}, el("caption", { class: "sr", text: t("dash.queue.caption", null, queue.count) }),
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
            el("div", {}, tNodes("dash.wall.open", { count: el("span", { class: "n", text: String(r.json.count) }) }, r.json.count)),
            el("div", { class: overdue ? "late" : "" }, tNodes("dash.wall.overdue", { count: el("span", { class: "n", text: String(overdue) }) }, overdue)),
            h.json ? el("div", { class: "muted", text: (state.session.contact_points || []).join(listSeparator()) + " · " + h.json.role }) : null),
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
      show(el("h1", { text: t("dash.alerts.heading") }),
        el("div", { class: "row" }, toggle, el("label", { for: "sound", text: t("dash.alerts.sound") })), list);
      const item = (a) => el("li", { class: a.level >= 2 ? "high" : "", "data-alert-id": String(a.id) },
        levelBadge(a.level), " ", el("strong", { text: a.reason }), " ",
        el("a", { href: "/requests/" + a.request_id, dir: "auto", text: a.reference }), " ",
        el("span", { text: a.summary }), " ", el("span", { class: "muted time", text: fmtTime(a.at) }));
      const r = await api("GET", "/v1/alerts?limit=200&tz=" + encodeURIComponent(browserZone()));
      if (!r.json) return list.append(problemBox(r.problem));
      for (const a of r.json.alerts) list.append(item(a));
      if (!r.json.alerts.length) list.append(el("li", { class: "muted empty", text: t("dash.alerts.empty") }));
      alertListeners.push((a) => {
        const empty = list.querySelector(".empty"); if (empty) empty.remove();
        if (!list.querySelector('[data-alert-id="' + a.id + '"]')) list.prepend(item(a));
      });
    }
    """#
}
