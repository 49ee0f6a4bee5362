extension DashboardAssets {
    /// On-time rates and time to acknowledge, drawn as inline SVG from the daemon's figures.
    static let scriptCompliance = #"""
    // ---- Compliance: on-time rates and time to acknowledge, as inline SVG ----
    const SVGNS = "http://www.w3.org/2000/svg";
    function svg(tag, attrs, ...children) {
      const node = document.createElementNS(SVGNS, tag);
      for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
      for (const c of children.flat(Infinity)) if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
      return node;
    }
    const percent = (rate) => t("dash.compliance.percent", { percent: Math.round(rate * 100) });
    function rateChart(title, rows) {
      const w = 560, rowH = 22, left = 190, right = 110, h = rows.length * rowH + 40;
      const chart = svg("svg", { viewBox: "0 0 " + w + " " + h, width: "100%", role: "img", "aria-label": title },
        svg("title", {}, title),
        [0, 0.5, 1].map((f) => [svg("line", { x1: left + f * (w - left - right), x2: left + f * (w - left - right), y1: 10, y2: h - 24, stroke: "#c8c8c8" }),
                                svg("text", { x: left + f * (w - left - right), y: h - 8, "text-anchor": "middle" }, percent(f))]),
        rows.map((r, i) => {
          const y = 12 + i * rowH, width = r.on_time_rate === null ? 0 : r.on_time_rate * (w - left - right);
          const colour = r.on_time_rate === null ? "#c8c8c8" : r.on_time_rate >= 0.95 ? "#1d6b2f" : r.on_time_rate >= 0.8 ? "#7a4b00" : "#a4001d";
          return [svg("text", { x: left - 6, y: y + 14, "text-anchor": "end" }, r.kind + " · " + r.priority),
                  svg("rect", { x: left, y: y + 3, width: Math.max(width, 0), height: rowH - 6, fill: colour }),
                  svg("text", { x: left + width + 4, y: y + 14 }, r.total ? t("dash.compliance.rate-of", { rate: percent(r.on_time_rate) }, r.total) : t("dash.compliance.none"))];
        }));
      return chart;
    }
    function histogram(title, dist) {
      const w = 520, h = 200, left = 40, bottom = 40, labels = ["5m", "15m", "1h", "4h", "24h", "72h", "more"].map((b) => t("dash.compliance.bucket-" + b));
      const max = Math.max(1, ...dist.buckets.map((b) => b.count));
      const bw = (w - left - 10) / dist.buckets.length;
      return svg("svg", { viewBox: "0 0 " + w + " " + h, width: "100%", role: "img", "aria-label": t("dash.compliance.histogram-label", { title }, dist.count) },
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
      if (!r.json) return show(el("h1", { text: t("dash.compliance.heading") }), problemBox(r.problem));
      const holder = el("div", {});
      const tabs = el("div", { class: "tabs", role: "group", "aria-label": t("dash.compliance.window") });
      const owedBy = (o) => named("dash.compliance.owed-by-", o);
      const draw = (days) => {
        for (const b of tabs.children) b.setAttribute("aria-pressed", String(b.dataset.days === String(days)));
        const win = r.json.windows.find((w) => w.days === days);
        const ours = win.deadlines.filter((d) => d.owed_by === "us"), theirs = win.deadlines.filter((d) => d.owed_by === "partners");
        const table = el("table", {}, el("caption", { class: "sr", text: t("dash.compliance.rates-caption", null, days) }),
          el("thead", {}, el("tr", {}, ["owed-by", "deadline", "priority", "on-time", "late", "late-unanswered", "rate"].map((h) => el("th", { scope: "col", text: t("dash.compliance.col." + h) })))),
          el("tbody", {}, win.deadlines.filter((d) => d.total > 0).map((d) => el("tr", {},
            el("td", { text: owedBy(d.owed_by) }), el("td", { text: d.kind }), el("td", { text: d.priority }), el("td", { text: String(d.on_time) }),
            el("td", { text: String(d.late) }), el("td", { text: String(d.late_unanswered) }), el("td", { text: percent(d.on_time_rate) })))));
        const byArticle = el("table", { id: "by-article" }, el("caption", { class: "sr", text: t("dash.compliance.articles-caption", null, days) }),
          el("thead", {}, el("tr", {}, ["article", "offence", "incoming", "outgoing", "deadlines-on-time", "late", "rate"].map((h) => el("th", { scope: "col", text: t("dash.compliance.col." + h) })))),
          el("tbody", {}, win.articles.filter((a) => a.incoming + a.outgoing + a.deadlines_on_time + a.deadlines_late > 0).map((a) => el("tr", { "data-article": a.article || "none" },
            el("td", { text: a.article || "—" }), el("td", { text: a.title }), el("td", { text: String(a.incoming) }), el("td", { text: String(a.outgoing) }),
            el("td", { text: String(a.deadlines_on_time) }), el("td", { text: String(a.deadlines_late) }),
            el("td", { text: a.on_time_rate === null ? "—" : percent(a.on_time_rate) })))));
        const ack = win.time_to_acknowledge;
        const med = (d) => d.count ? t("dash.compliance.median", { median: duration(d.median_seconds), p90: duration(d.p90_seconds) }, d.count) : t("dash.compliance.no-acknowledgement");
        const ackTitle = { us: t("dash.compliance.ack-us"), partners: t("dash.compliance.ack-partners") };
        clear(holder).append(
          el("div", { class: "charts" },
            el("div", { class: "panel" }, el("h2", { text: t("dash.compliance.ours-kept", null, days) }), rateChart(t("dash.compliance.ours-chart"), ours)),
            el("div", { class: "panel" }, el("h2", { text: t("dash.compliance.partners-kept", null, days) }), rateChart(t("dash.compliance.partners-chart"), theirs)),
            el("div", { class: "panel" }, el("h2", { text: ackTitle.us }), el("p", { text: med(ack.us) }), histogram(ackTitle.us, ack.us)),
            el("div", { class: "panel" }, el("h2", { text: ackTitle.partners }), el("p", { text: med(ack.partners) }), histogram(ackTitle.partners, ack.partners))),
          el("h2", { text: t("dash.compliance.figures") }), table.querySelector("tbody").children.length ? table : el("p", { class: "muted", text: t("dash.compliance.no-deadline") }),
          el("h2", { text: t("dash.compliance.by-article") }),
          el("p", { class: "muted", text: t("dash.compliance.by-article-note") }),
          byArticle.querySelector("tbody").children.length ? byArticle : el("p", { class: "muted", text: t("dash.compliance.no-request") }));
      };
      for (const days of r.json.windows.map((w) => w.days)) {
        tabs.append(el("button", { type: "button", "data-days": String(days), onclick: () => draw(days), text: t("dash.compliance.days", null, days) }));
      }
      show(el("h1", { text: t("dash.compliance.heading") }), el("p", { class: "muted", text: t("dash.compliance.intro", { time: fmtTime(r.json.generated_at), codes: r.json.contact_points.join(listSeparator()) }) }), tabs, holder);
      draw(30);
    }
    """#
}
