extension DashboardAssets {
    /// The form for a new request: every field of the contract, a draft kept in the browser,
    /// an id made in the page, the Art. 43 follow-on prefilled.
    static let scriptSubmit = #"""
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
      // The offence's classification: one box per convention article, as the session lists them.
      function articlesField() {
        const chosen = new Set((req.offence && req.offence.convention_articles) || []);
        const box = (a) => {
          const id = "f-article-" + a.code;
          const input = el("input", { id, type: "checkbox", name: "offence.convention_articles", value: a.code, "data-article": a.code });
          input.checked = chosen.has(a.code);
          input.addEventListener("change", () => { validateArticles(); save(); });
          return el("div", { class: "field" }, input, " ", el("label", { for: id, class: "inline", text: a.code + " " + a.title }));
        };
        const group = (prefix, legend) => el("fieldset", {}, el("legend", { text: legend }),
          state.session.convention_articles.filter((a) => a.code.startsWith(prefix + "-")).map(box));
        return el("fieldset", { id: "articles" },
          el("legend", { class: "mandatory" }, "Convention articles the conduct falls under",
            el("span", { class: "treaty", text: " (required for preservation: classification for dual criminality and statistics)" })),
          el("div", { class: "row" }, group("UN", "UN Convention against Cybercrime, arts. 7–17"), group("BUD", "Budapest Convention, arts. 2–10")),
          el("p", { class: "error", id: "f-articles-error", "data-error-for": "offence.convention_articles", hidden: true }));
      }
      function pickedArticles() { return [...form.querySelectorAll("[data-article]")].filter((i) => i.checked).map((i) => i.value); }
      function validateArticles() {
        const slot = form.querySelector('[data-error-for="offence.convention_articles"]');
        const first = form.querySelector("[data-article]");
        if (!slot || !first) return true;
        const kind = form.elements["kind"] ? form.elements["kind"].value : req.kind;
        const reason = kind === "preservation" && !pickedArticles().length ? "choose at least one article (required for preservation)" : "";
        slot.textContent = reason; slot.hidden = !reason;
        if (reason) first.setAttribute("aria-invalid", "true"); else first.removeAttribute("aria-invalid");
        return !reason;
      }
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
        if (form.querySelector("[data-article]")) {
          const picked = pickedArticles();
          req.offence = req.offence || {};
          if (picked.length) req.offence.convention_articles = picked; else delete req.offence.convention_articles;
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
          field("offence.summary", "Summary of the facts", { type: "textarea", required: "treaty" }),
          articlesField()),
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
      form.elements["kind"].addEventListener("change", () => { syncKind(); validateArticles(); });
      syncKind();
      let inFlight = false;
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        if (inFlight) return;  // a double click sends once; a retry later sends the same id
        let ok = true;
        for (const input of form.querySelectorAll("[data-path]")) ok = validateOne(input) && ok;
        ok = validateArticles() && ok;
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
    // The Art. 43 request the daemon prepared from the disclosure (the view's follow_on_drafts).
    async function followOnDraft(id, to) {
      const r = await api("GET", "/v1/requests/" + encodeURIComponent(id));
      if (!r.json) return { problem: r.problem };
      const drafts = r.json.follow_on_drafts || [];
      const draft = drafts.find((d) => !to || d.to === to);
      if (!draft) return { problem: { title: "No follow-on to prepare", detail: "request " + r.json.reference + " has no traffic disclosure naming a provider in " + (to || "a third country"), errors: [] } };
      const req = JSON.parse(JSON.stringify(draft.request));
      if (!req.data || !req.data.length) req.data = [{ identifiers: [{}] }];
      return { draft: { id: newID(), request: req } };
    }
    """#
}
