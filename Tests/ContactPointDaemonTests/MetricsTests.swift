import XCTest
@testable import ContactPointDaemon

final class MetricsTests: XCTestCase {
    /// HTTP requests counted on their own path read back, and render, as the counter and histogram
    /// they always were, merged with what was counted the general way under the same names.
    func testHTTPCountsRenderAsTheCounterAndHistogramByRoute() {
        let m = Metrics()
        m.countHTTP(route: "/healthz", status: 200, seconds: 0.0004)
        m.countHTTP(route: "/healthz", status: 200, seconds: 0.003)
        m.countHTTP(route: "/v1/requests", status: 201, seconds: 0.02)
        m.countHTTP(route: "/v1/requests", status: 422, seconds: 0.0015)
        m.increment(Metrics.httpRequests, [("route", "/v1/alerts/stream"), ("status", "200")])
        m.increment(Metrics.httpRequests, [("route", "/healthz"), ("status", "200")])
        XCTAssertEqual(m.value(Metrics.httpRequests, [("route", "/healthz"), ("status", "200")]), 3)
        XCTAssertEqual(m.value(Metrics.httpRequests, [("status", "201"), ("route", "/v1/requests")]), 1)
        let text = m.render(gauges: [])
        for line in [
            #"contactpoint_http_requests_total{route="/healthz",status="200"} 3"#,
            #"contactpoint_http_requests_total{route="/v1/alerts/stream",status="200"} 1"#,
            #"contactpoint_http_requests_total{route="/v1/requests",status="201"} 1"#,
            #"contactpoint_http_requests_total{route="/v1/requests",status="422"} 1"#,
            #"contactpoint_http_request_duration_seconds_bucket{le="0.001",route="/healthz"} 1"#,
            #"contactpoint_http_request_duration_seconds_bucket{le="0.005",route="/healthz"} 2"#,
            #"contactpoint_http_request_duration_seconds_count{route="/healthz"} 2"#,
            #"contactpoint_http_request_duration_seconds_bucket{le="0.0025",route="/v1/requests"} 1"#,
            #"contactpoint_http_request_duration_seconds_bucket{le="+Inf",route="/v1/requests"} 2"#,
        ] {
            XCTAssertTrue(text.contains(line + "\n"), "missing \(line) in\n\(text)")
        }
        XCTAssertEqual(text.components(separatedBy: "# TYPE contactpoint_http_requests_total counter").count, 2, "one family header")
        XCTAssertEqual(text.components(separatedBy: "# TYPE contactpoint_http_request_duration_seconds histogram").count, 2)
    }
}
