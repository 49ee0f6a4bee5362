import ContactPointModel
import HTTP1

/// The dashboard's pages and files, and the one rule that keeps a browser's certificate from
/// acting for another site (docs/dashboard.md, "Safe in a browser").
extension Router {
    /// The paths that answer the dashboard's page; the script shows the view the path names.
    static let pageTemplates: Set<String> = ["/", "/wall", "/alerts", "/compliance", "/submit", "/requests/{id}"]

    /// Headers of every page and file: a strict CSP (no inline script or style, nothing from
    /// another origin, never framed), no sniffing, no referrer, and nothing kept in a cache.
    static let pageHeaders: [(String, String)] = [
        ("Content-Security-Policy",
         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Cache-Control", "no-store"),
    ]

    /// The page (the same document for every view) or one of its files.
    func servePage(_ template: String, _ parts: [String], _ language: Language, _ finish: (HTTPResponse) -> Void) {
        let file: DashboardAssets.File?
        if template == "/assets/{name}" { file = DashboardAssets.files[parts[1]] } else { file = DashboardAssets.page }
        guard let file else { return finish(Self.problem(.notFound("no dashboard file \(parts.last ?? "")", field: "path"), language)) }
        var headers = HTTPHeaders([("Content-Type", file.contentType)])
        for (name, value) in Self.pageHeaders { headers.add(name: name, value: value) }
        finish(HTTPResponse(status: 200, headers: headers, body: file.bytes))
    }

    /// The header a page's own script sends with every state-changing request. A form on
    /// another site cannot send a custom header, and a script on another site cannot either
    /// without a CORS preflight, which this daemon never grants.
    static let sameOriginHeader = "X-ContactPoint-Request"

    /// Refuses a request that a browser sent on another site's behalf (CSRF). A browser
    /// presents the person's certificate to every site that asks, so the certificate alone does
    /// not show that the person meant the request. Refused (403, `cross-site-request`):
    ///
    /// - anything with `Sec-Fetch-Site` other than `same-origin` or `none` (a typed address),
    ///   except the navigation to a page, which shows nothing until its own same-origin calls;
    /// - a state-changing request whose `Origin` is not this daemon's (`https://` + `Host`);
    /// - a state-changing request from a browser (it sends `Origin`, `Sec-Fetch-*`, `Referer` or
    ///   `Cookie`) without `X-ContactPoint-Request: dashboard`.
    ///
    /// Clients that are not browsers (`poc`, curl, partner daemons) send none of these
    /// headers and are not affected.
    static func crossSiteRefusal(_ request: HTTPRequest, template: String) -> Problem? {
        let h = request.headers
        let changesState = request.method != "GET" && request.method != "HEAD"
        let site = h["Sec-Fetch-Site"]?.lowercased()
        if let site, site != "same-origin", site != "none" {
            let navigation = !changesState && pageTemplates.contains(template) && h["Sec-Fetch-Mode"]?.lowercased() == "navigate"
            if !navigation {
                return crossSite("Sec-Fetch-Site", "the browser says this request comes from another site (\(site)); "
                                 + "only this daemon's own pages may call it")
            }
        }
        guard changesState else { return nil }
        if let origin = h["Origin"] {
            let own = "https://" + (h["Host"] ?? "").lowercased()
            if origin.lowercased() != own {
                return crossSite("Origin", "the request comes from \(origin.prefix(200)), not from this daemon's pages (\(own.prefix(200)))")
            }
        }
        let browser = h["Origin"] != nil || site != nil || h["Sec-Fetch-Mode"] != nil || h["Referer"] != nil || h["Cookie"] != nil
        if browser && h[sameOriginHeader] != "dashboard" {
            return crossSite(sameOriginHeader, "a browser's state-changing request must carry \(sameOriginHeader): dashboard, "
                             + "which only this daemon's own pages send")
        }
        return nil
    }

    private static func crossSite(_ field: String, _ reason: String) -> Problem {
        Problem(status: 403, slug: "cross-site-request",
                detail: reason + "; nothing was changed", errors: [FieldProblem(field: field, reason: reason)])
    }
}
