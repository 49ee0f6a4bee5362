/// The dashboard's page and files, compiled into the binary: no CDN, no font, no build step,
/// nothing fetched from anywhere but this daemon (a duty room may be air-gapped). The page is
/// one document for every view; `app.js` reads the path and draws the view, using only the
/// JSON API, with text always set as text (never parsed as HTML). The English texts below show
/// until `/v1/session` has answered; then every `data-i18n` element takes its catalogue text in
/// the session's language (`applyLanguage` in the script), and `dir` turns right to left for Arabic.
enum DashboardAssets {
    struct File: Sendable {
        var contentType: String
        var bytes: [UInt8]
    }

    /// The document served at `/`, `/wall`, `/alerts`, `/compliance`, `/submit` and `/requests/{id}`.
    static let page = File(contentType: "text/html; charset=utf-8", bytes: Array(html.utf8))

    /// The files under `/assets/`.
    static let files: [String: File] = [
        "app.js": File(contentType: "text/javascript; charset=utf-8", bytes: Array(script.utf8)),
        "app.css": File(contentType: "text/css; charset=utf-8", bytes: Array(style.utf8)),
    ]

    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>ContactPoint</title>
    <link rel="stylesheet" href="/assets/app.css">
    <script src="/assets/app.js" defer></script>
    </head>
    <body>
    <a class="skip" href="#main" data-i18n="dash.skip">Skip to content</a>
    <header class="bar">
      <span class="brand">ContactPoint</span>
      <nav aria-label="Pages" data-i18n-label="dash.nav.label" id="nav">
        <a href="/" data-page="queue" data-i18n="dash.nav.queue">Queue</a>
        <a href="/alerts" data-page="alerts" data-i18n="dash.nav.alerts">Alerts</a>
        <a href="/submit" data-page="submit" data-i18n="dash.nav.submit">New request</a>
        <a href="/compliance" data-page="compliance" data-i18n="dash.nav.compliance">Compliance</a>
        <a href="/wall" data-page="wall" data-i18n="dash.nav.wall">Wall</a>
      </nav>
      <span id="who"></span>
      <span id="lang-switch" hidden><label for="lang" data-i18n="dash.lang.label">Language</label> <select id="lang"></select></span>
      <span id="status" role="status" class="status connecting">Connecting…</span>
    </header>
    <div id="cue" role="alert" hidden></div>
    <main id="main" tabindex="-1"><p data-i18n="dash.loading">Loading…</p></main>
    <noscript><p>The dashboard needs JavaScript; the same data is in the API (docs/api.md) and in <code>poc</code>.</p></noscript>
    </body>
    </html>
    """#
}
