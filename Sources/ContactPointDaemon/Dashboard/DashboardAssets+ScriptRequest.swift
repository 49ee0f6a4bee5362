extension DashboardAssets {
    /// One request: its content, deadlines, history and links, and the actions open to the
    /// reader's side, each a small form whose server errors appear under their fields.
    static let scriptRequest = #"""
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
      // Each convention article with its heading, as the session lists them.
      const titles = Object.fromEntries(state.session.convention_articles.map((a) => [a.code, a.title]));
      const shown = JSON.parse(JSON.stringify(req));
      if (shown.offence && shown.offence.convention_articles) {
        shown.offence.convention_articles = shown.offence.convention_articles.map((c) => titles[c] ? c + " — " + titles[c] : c);
      }
      for (const [k, x] of Object.entries(shown)) {
        if (["id", "from", "to"].includes(k)) continue;
        content.append(el("dt", { text: contentLabels[k] || k }), el("dd", { "data-member": k }, valueNode(x)));
      }
      const timeline = el("ol", { class: "timeline" }, v.history.map((e) => el("li", { class: ["escalated", "reminded", "expired"].includes(e.type) ? "alert" : "" },
        el("strong", { text: e.type }), " ", el("span", { class: "muted", text: fmtTime(e.at) + " · " + e.actor }),
        e.type === "submitted" ? null : el("details", {}, el("summary", { text: "details" }), valueNode(e.details)))));
      const links = el("ul", {});
      if (v.links && v.links.extends) links.append(el("li", {}, "Follows on from ", el("a", { href: "/requests/" + v.links.extends, text: v.links.extends })));
      for (const f of (v.links ? v.links.extended_by : [])) links.append(el("li", {}, "Followed by ", el("a", { href: "/requests/" + f, text: f })));
      // The daemon prepares the Art. 43 requests; the requesting side opens each in the form.
      const followOn = sidesOf(v).includes("requesting") ? (v.follow_on_drafts || []).map((d) =>
        el("li", {}, el("a", { href: "/submit?from_disclosure=" + encodeURIComponent(v.id) + "&to=" + encodeURIComponent(d.to),
          text: "Draft the Art. 43 follow-on request to " + d.to }))) : [];
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
    """#
}
