/// The dashboard's page and files, compiled into the binary: no CDN, no font, no build step,
/// nothing fetched from anywhere but this daemon (a duty room may be air-gapped). The page is
/// one document for every view; `app.js` reads the path and draws the view, using only the
/// JSON API, with text always set as text (never parsed as HTML).
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
    <a class="skip" href="#main">Skip to content</a>
    <header class="bar">
      <span class="brand">ContactPoint</span>
      <nav aria-label="Pages" id="nav">
        <a href="/" data-page="queue">Queue</a>
        <a href="/alerts" data-page="alerts">Alerts</a>
        <a href="/submit" data-page="submit">New request</a>
        <a href="/compliance" data-page="compliance">Compliance</a>
        <a href="/wall" data-page="wall">Wall</a>
      </nav>
      <span id="who"></span>
      <span id="status" role="status" class="status connecting">Connecting…</span>
    </header>
    <div id="cue" role="alert" hidden></div>
    <main id="main" tabindex="-1"><p>Loading…</p></main>
    <noscript><p>The dashboard needs JavaScript; the same data is in the API (docs/api.md) and in <code>poc</code>.</p></noscript>
    </body>
    </html>
    """#
}
