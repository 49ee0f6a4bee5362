extension DashboardAssets {
    /// One request: its content, deadlines, history and links, and the actions open to the
    /// reader's side, each a small form whose server errors appear under their fields.
    static let scriptRequest = #"""
    // ---- One request ----
    // A member of the request is named by the catalogue (dash.content.*, dash.field.* within it);
    // one the catalogue does not know is shown by its name. Values are the request's, as text.
    function valueNode(v) {
      if (v === null || v === undefined) return el("span", { class: "muted", text: "—" });
      if (typeof v === "boolean") return el("span", { text: t(v ? "dash.value.yes" : "dash.value.no") });
      if (typeof v !== "object") return el("span", { dir: "auto", text: String(v) });
      if (Array.isArray(v)) return el("ol", {}, v.map((x) => el("li", {}, valueNode(x))));
      return el("dl", { class: "kv" }, Object.entries(v).flatMap(([k, x]) => [el("dt", { text: named("dash.field.", k, k.replace(/_/g, " ")) }), el("dd", {}, valueNode(x))]));
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
      if (!r.json) return show(el("h1", { text: t("dash.request.title") }), problemBox(r.problem));
      const v = r.json;
      state.ticking = [];
      const req = v.request || {};
      const deadlines = el("table", {}, el("thead", {}, el("tr", {}, ["deadline", "due", "owed-by", "time", "level"].map((h) => el("th", { scope: "col", text: t("dash.request.col." + h) })))),
        el("tbody", {}, v.deadlines.map((d) => el("tr", { class: d.overdue ? "overdue" : "" },
          el("td", { text: d.kind }), el("td", { text: fmtTime(d.due_at) }), el("td", {}, el("bdi", { text: ownerName(d.owed_by) })),
          el("td", {}, countdown(d.seconds_left)), el("td", {}, levelBadge(d.escalation_level) || "—")))));
      const content = el("dl", { class: "kv", id: "content" });
      // Each convention article with its heading, as the session lists them.
      const titles = Object.fromEntries(state.session.convention_articles.map((a) => [a.code, a.title]));
      const shown = JSON.parse(JSON.stringify(req));
      if (shown.offence && shown.offence.convention_articles) {
        shown.offence.convention_articles = shown.offence.convention_articles.map((c) => titles[c] ? c + " — " + titles[c] : c);
      }
      for (const [k, x] of Object.entries(shown)) {
        if (["id", "from", "to"].includes(k)) continue;
        content.append(el("dt", { text: named("dash.content.", k) }), el("dd", { "data-member": k }, valueNode(x)));
      }
      const timeline = el("ol", { class: "timeline" }, v.history.map((e) => el("li", { class: ["escalated", "reminded", "expired"].includes(e.type) ? "alert" : "" },
        el("strong", { text: e.type }), " ", el("span", { class: "muted" }, el("span", { class: "time", text: fmtTime(e.at) }), " · ", el("span", { dir: "ltr", text: e.actor })),
        e.type === "submitted" ? null : el("details", {}, el("summary", { text: t("dash.request.details") }), valueNode(e.details)))));
      const links = el("ul", {});
      if (v.links && v.links.extends) links.append(el("li", {}, tNodes("dash.request.follows-on-from", { link: el("a", { href: "/requests/" + v.links.extends, dir: "ltr", text: v.links.extends }) })));
      for (const f of (v.links ? v.links.extended_by : [])) links.append(el("li", {}, tNodes("dash.request.followed-by", { link: el("a", { href: "/requests/" + f, dir: "ltr", text: f }) })));
      // The daemon prepares the Art. 43 requests; the requesting side opens each in the form.
      const followOn = sidesOf(v).includes("requesting") ? (v.follow_on_drafts || []).map((d) =>
        el("li", {}, el("a", { href: "/submit?from_disclosure=" + encodeURIComponent(v.id) + "&to=" + encodeURIComponent(d.to),
          text: t("dash.request.follow-on", { code: d.to }) }))) : [];
      show(
        el("h1", {}, tNodes("dash.request.heading", { reference: el("span", { dir: "auto", text: v.reference }) }), " ", levelBadge(v.escalation_level)),
        el("dl", { class: "kv", id: "summary" },
          el("dt", { text: t("dash.request.from-to") }), el("dd", { text: t("dash.request.route", { from: ownerName(v.from), to: ownerName(v.to) }) }),
          el("dt", { text: t("dash.request.kind-priority") }), el("dd", {}, v.kind + " ", priorityBadge(v.priority)),
          el("dt", { text: t("dash.request.state") }), el("dd", { id: "state", text: v.state }),
          el("dt", { text: t("dash.request.submitted") }), el("dd", { text: fmtTime(v.submitted_at) }),
          v.expires_at ? [el("dt", { text: t("dash.request.expires") }), el("dd", { text: fmtTime(v.expires_at) })] : null,
          el("dt", { text: t("dash.request.id") }), el("dd", {}, el("span", { dir: "ltr", text: v.id }))),
        v.content_erased ? el("p", { class: "notice", text: t("dash.request.erased", { time: fmtTime(v.content_erased.at), by: v.content_erased.by,
          reason: v.content_erased.reason || v.content_erased.why || "" }) }) : null,
        el("h2", { text: t("dash.request.actions") }), actionsPanel(v),
        el("h2", { text: t("dash.request.deadlines") }), v.deadlines.length ? deadlines : el("p", { class: "muted", text: t("dash.request.no-deadlines") }),
        el("h2", { text: t("dash.request.content") }), content,
        el("h2", { text: t("dash.request.links") }), links.children.length ? links : el("p", { class: "muted", text: t("dash.request.no-links") }),
        followOn.length ? el("ul", {}, followOn) : null,
        el("h2", { text: t("dash.request.history") }), timeline);
      if (!state.watchingRequest) {  // once per page, however often the view is redrawn
        state.watchingRequest = true;
        alertListeners.push((a) => { if (a.request_id === v.id) requestPage(id); });
      }
    }

    // Each action's fields (docs/api.md), drawn as a small form; `label` is a catalogue key.
    const actionFields = {
      acknowledge: [], proceed: [],
      preserve: [{ name: "provider_reference", label: "dash.action.preserve.provider-reference", required: true },
                 { name: "partial", label: "dash.action.preserve.partial", type: "checkbox" },
                 { name: "preserved_until", label: "dash.action.preserve.until", type: "datetime-local" }],
      "report-no-data": [{ name: "reason", label: "dash.action.reason", type: "textarea", required: true }],
      refuse: [{ name: "ground", label: "dash.action.refuse.ground", type: "select", options: () => state.session.refusal_grounds, required: true },
               { name: "reason", label: "dash.action.reason", type: "textarea", required: true }],
      "notify-risk": [{ name: "reason", label: "dash.action.notify-risk.reason", type: "textarea", required: true }],
      "disclose-traffic": [{ name: "service_providers", label: "dash.action.disclose-traffic.providers", type: "textarea", required: true },
                           { name: "path_summary", label: "dash.action.disclose-traffic.path", type: "textarea", required: true }],
      extend: [{ name: "days", label: "dash.action.extend.days", type: "number" },
               { name: "until", label: "dash.action.extend.until", type: "datetime-local" }],
      "link-mla": [{ name: "mla_reference", label: "dash.action.link-mla.reference", required: true },
                   { name: "sent_at", label: "dash.action.link-mla.sent-at", type: "datetime-local", required: true }],
      withdraw: [{ name: "reason", label: "dash.action.reason", type: "textarea", required: true }],
      disclose: [{ name: "provider_reference", label: "dash.action.disclose.provider-reference", required: true },
                 { name: "handed_over", label: "dash.action.disclose.handed-over", type: "textarea", required: true }],
      release: [{ name: "reason", label: "dash.action.reason", type: "textarea", required: true }],
    };
    // An action as people read it (the code stays in data-action and in the URL it posts to).
    function actionName(name) { return named("dash.action.name.", name, name.replace(/-/g, " ")); }
    function toRFC3339(local) { if (!local) return undefined; const d = new Date(local); return isNaN(d) ? local : d.toISOString().replace(/\.\d{3}Z$/, "Z"); }
    function actionsPanel(v) {
      const sides = sidesOf(v);
      const allowed = state.session.actions.filter((a) => sides.includes(a.side) && a.states.includes(v.state) && a.kinds.includes(v.kind));
      const panel = el("div", { class: "actions", id: "actions" });
      const formHolder = el("div", { id: "action-form" });
      if (!allowed.length) return el("p", { class: "muted", text: t("dash.request.no-actions", { state: v.state }) });
      for (const a of allowed) {
        panel.append(el("button", { type: "button", "data-action": a.name, onclick: () => openAction(a.name) , text: actionName(a.name) }));
      }
      function openAction(name) {
        const fields = actionFields[name] || [];
        const form = el("form", { class: "panel", "aria-label": actionName(name), novalidate: true });
        const inputs = {};
        form.append(el("h3", { text: actionName(name) }));
        for (const f of fields) {
          const id = "act-" + f.name;
          let input;
          if (f.type === "textarea") input = el("textarea", { id, name: f.name, dir: "auto" });
          else if (f.type === "select") input = el("select", { id, name: f.name }, el("option", { value: "", text: t("dash.form.choose") }), f.options().map((o) => el("option", { value: o, text: o })));
          else input = el("input", { id, name: f.name, type: f.type || "text", dir: f.type ? null : "auto" });
          input.required = !!f.required;
          inputs[f.name] = input;
          const err = el("p", { class: "error", id: id + "-error", "data-error-for": f.name, hidden: true });
          input.setAttribute("aria-describedby", err.id);
          form.append(el("div", { class: "field" }, f.type === "checkbox" ? [input, " ", el("label", { for: id, text: t(f.label), class: "inline" })]
                                                   : [el("label", { for: id, class: f.required ? "mandatory" : "", text: t(f.label) }), input], err));
        }
        const summary = el("div", {});
        const submit = el("button", { type: "submit", text: t("dash.action.confirm", { action: actionName(name) }) });
        form.append(summary, el("div", { class: "row" }, submit, el("button", { type: "button", class: "secondary", onclick: () => clear(formHolder), text: t("dash.action.cancel") })));
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
    """#
}
