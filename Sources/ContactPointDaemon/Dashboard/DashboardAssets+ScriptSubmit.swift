extension DashboardAssets {
    /// The form for a new request: every field of the contract, a draft kept in the browser,
    /// an id made in the page, the Art. 43 follow-on prefilled.
    static let scriptSubmit = #"""
    // ---- Submit a request ----
    const DRAFT = "contactpoint.draft";
    function newID() {
      // A version-7 UUID (RFC 9562 §5.7), as the daemon makes: the time's milliseconds first, so
      // requests made together sit together in the store's indexes (docs/performance.md).
      const b = crypto.getRandomValues(new Uint8Array(16));
      let ms = Date.now();
      for (let i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
      b[6] = (b[6] & 15) | 112; b[8] = (b[8] & 63) | 128;
      const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
      return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    }
    async function submitPage() {
      const treaty = t("dash.form.treaty");  // "UN art. 42 / Budapest art. 29"
      const params = new URLSearchParams(location.search);
      let draft = null;
      try { draft = JSON.parse(localStorage.getItem(DRAFT) || "null"); } catch (e) { draft = null; }
      let note = null;
      if (params.get("from_disclosure")) {
        const prefilled = await followOnDraft(params.get("from_disclosure"), params.get("to"));
        if (prefilled.problem) note = problemBox(prefilled.problem);
        else { draft = prefilled.draft; note = el("p", { class: "notice", text: t("dash.form.follow-on-notice") }); }
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
        if (opts.type === "textarea") input = el("textarea", { id, name: p, dir: "auto" });
        else if (opts.type === "select") input = el("select", { id, name: p }, (opts.options || []).map((o) => el("option", { value: o, text: o === "" ? t("dash.form.choose") : o })));
        else if (opts.type === "checkbox") input = el("input", { id, name: p, type: "checkbox" });
        else input = el("input", { id, name: p, type: opts.type || "text", maxlength: opts.max || null, autocomplete: "off", dir: opts.type ? null : "auto" });
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
          opts.required === "treaty" ? el("span", { class: "treaty", text: " " + t("dash.form.mandatory-treaty", { treaty }) }) : null);
        return opts.type === "checkbox" ? el("div", { class: "field" }, input, " ", lab, err) : el("div", { class: "field" }, lab, input, err);
      }
      function validateOne(input) {
        const slot = form.querySelector('[data-error-for="' + CSS.escape(input.dataset.path) + '"]');
        let reason = "";
        const value = input.type === "checkbox" ? input.checked : input.value.trim();
        // The treaty's mandatory fields are required of a preservation request (docs/api.md); the others say so by kind.
        const kind = form.elements["kind"] ? form.elements["kind"].value : req.kind;
        const needed = input.dataset.required === "treaty" ? kind === "preservation" : !!input.dataset.required;
        if (needed && input.type !== "checkbox" && !value && isShown(input)) reason = t("dash.form.required");
        if (input.dataset.path === "to" && value && value === form.elements["from"].value) reason = t("dash.form.must-differ");
        if (input.dataset.path === "reference" && /[\n\r]/.test(value)) reason = t("dash.form.one-line");
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
          el("legend", { class: "mandatory" }, t("dash.form.articles"),
            el("span", { class: "treaty", text: " " + t("dash.form.articles-note") })),
          el("div", { class: "row" }, group("UN", t("dash.form.articles-un")), group("BUD", t("dash.form.articles-bud"))),
          el("p", { class: "error", id: "f-articles-error", "data-error-for": "offence.convention_articles", hidden: true }));
      }
      function pickedArticles() { return [...form.querySelectorAll("[data-article]")].filter((i) => i.checked).map((i) => i.value); }
      function validateArticles() {
        const slot = form.querySelector('[data-error-for="offence.convention_articles"]');
        const first = form.querySelector("[data-article]");
        if (!slot || !first) return true;
        const kind = form.elements["kind"] ? form.elements["kind"].value : req.kind;
        const reason = kind === "preservation" && !pickedArticles().length ? t("dash.form.articles-required") : "";
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
              field(base + ".identifiers[" + j + "].type", t("dash.form.identifier-type")),
              field(base + ".identifiers[" + j + "].value", t("dash.form.identifier-value")),
              el("button", { type: "button", class: "secondary", onclick: () => { collect(); item.identifiers.splice(j, 1); drawData(); save(); }, text: t("dash.form.remove-identifier", { number: j + 1 }) })));
          });
          dataHolder.append(el("fieldset", {}, el("legend", { text: t("dash.form.data-item", { number: i + 1 }) }),
            field(base + ".description", t("dash.form.data-description"), { required: "treaty" }),
            field(base + ".relation_to_offence", t("dash.form.data-relation"), { type: "textarea", required: "treaty" }),
            el("div", { class: "row" }, field(base + ".period.from", t("dash.form.period-from"), { type: "datetime-local" }), field(base + ".period.to", t("dash.form.period-to"), { type: "datetime-local" })),
            ids,
            el("div", { class: "row" },
              el("button", { type: "button", class: "secondary", onclick: () => { collect(); (item.identifiers = item.identifiers || []).push({}); drawData(); save(); }, text: t("dash.form.add-identifier") }),
              req.data.length > 1 ? el("button", { type: "button", class: "secondary", onclick: () => { collect(); req.data.splice(i, 1); drawData(); save(); }, text: t("dash.form.remove-data-item", { number: i + 1 }) }) : null)));
        });
      }
      if (!req.from && mine.length === 1) req.from = mine[0];
      const emergencyBlock = el("fieldset", { id: "emergency-block" }, el("legend", { text: t("dash.form.emergency") }),
        field("emergency.facts", t("dash.form.emergency-facts"), { type: "textarea", required: "yes" }),
        field("emergency.data_relevance", t("dash.form.emergency-relevance"), { type: "textarea" }));
      const kindSelect = field("kind", t("dash.form.kind"), { type: "select", options: state.session.kinds, required: "yes" });
      const prioritySelect = field("priority", t("dash.form.priority"), { type: "select", options: state.session.priorities, required: "yes" });
      const syncKind = () => {
        const kind = form.elements["kind"] ? form.elements["kind"].value : req.kind;
        emergencyBlock.hidden = kind !== "emergency-disclosure";
        if (kind === "emergency-disclosure" && form.elements["priority"]) form.elements["priority"].value = "emergency";
      };
      form.append(
        el("p", { id: "form-help", class: "muted" }, tNodes("dash.form.help", { treaty: el("em", { text: treaty }) })),
        summary,
        el("fieldset", {}, el("legend", { text: t("dash.form.the-request") }),
          field("reference", t("dash.form.reference"), { required: "yes", max: 64 }),
          el("div", { class: "row" },
            field("from", t("dash.form.from"), { type: "select", options: [""].concat(mine), required: "yes" }),
            field("to", t("dash.form.to"), { type: "select", options: [""].concat(others), required: "yes" })),
          el("div", { class: "row" }, kindSelect, prioritySelect, field("language", t("dash.form.language"), { max: 35 })),
          field("case_reference", t("dash.form.case-reference")),
          field("extends", t("dash.form.extends"))),
        emergencyBlock,
        el("fieldset", {}, el("legend", { text: t("dash.form.authority-and-offence") }),
          el("div", { class: "row" }, field("authority.name", t("dash.form.authority-name"), { required: "treaty" }), field("authority.contact", t("dash.form.authority-contact"), { required: "treaty" })),
          el("div", { class: "row" }, field("offence.description", t("dash.form.offence"), { required: "treaty" }), field("offence.legal_provision", t("dash.form.legal-provision"))),
          field("offence.summary", t("dash.form.summary"), { type: "textarea", required: "treaty" }),
          articlesField()),
        el("fieldset", {}, el("legend", { text: t("dash.form.data") }), dataHolder,
          el("button", { type: "button", class: "secondary", onclick: () => { collect(); req.data.push({ identifiers: [{}] }); drawData(); save(); }, text: t("dash.form.add-data-item") })),
        el("fieldset", {}, el("legend", { text: t("dash.form.custodian-and-necessity") }),
          el("div", { class: "row" }, field("custodian.name", t("dash.form.custodian-name"), { required: "treaty" }), field("custodian.location", t("dash.form.custodian-location"))),
          field("necessity", t("dash.form.necessity"), { type: "textarea", required: "treaty" }),
          field("mla_intended", t("dash.form.mla-intended"), { type: "checkbox" }),
          field("confidential", t("dash.form.confidential"), { type: "checkbox" })));
      drawData();
      const submit = el("button", { type: "submit", id: "submit-button", text: t("dash.form.send") });
      const discard = el("button", { type: "button", class: "secondary", text: t("dash.form.discard"),
        onclick: () => { localStorage.removeItem(DRAFT); location.assign("/submit"); } });
      form.append(el("div", { class: "row" }, submit, discard, el("span", { class: "muted" }, tNodes("dash.form.request-id", { id: el("span", { dir: "ltr", text: draft.id }) }))));
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
          clear(summary).append(el("div", { class: "problems", role: "alert", text: t("dash.form.needs-attention") }));
          const bad = form.querySelector('[aria-invalid="true"]'); if (bad) bad.focus();
          return;
        }
        inFlight = true; submit.disabled = true; submit.textContent = t("dash.form.sending");
        const r = await api("POST", "/v1/requests", body());
        inFlight = false; submit.disabled = false; submit.textContent = t("dash.form.send");
        if (r.json) { localStorage.removeItem(DRAFT); location.assign("/requests/" + r.json.id); return; }
        showFieldErrors(form, r.problem, summary);  // the draft stays: nothing typed is lost
      });
      show(el("h1", { text: t("dash.form.heading") }), note, form);
      save();
    }
    // The Art. 43 request the daemon prepared from the disclosure (the view's follow_on_drafts).
    async function followOnDraft(id, to) {
      const r = await api("GET", "/v1/requests/" + encodeURIComponent(id));
      if (!r.json) return { problem: r.problem };
      const drafts = r.json.follow_on_drafts || [];
      const draft = drafts.find((d) => !to || d.to === to);
      if (!draft) return { problem: { title: t("dash.follow-on.none"), errors: [],
        detail: to ? t("dash.follow-on.none-to", { reference: r.json.reference, code: to }) : t("dash.follow-on.none-any", { reference: r.json.reference }) } };
      const req = JSON.parse(JSON.stringify(draft.request));
      if (!req.data || !req.data.length) req.data = [{ identifiers: [{}] }];
      return { draft: { id: newID(), request: req } };
    }
    """#
}
