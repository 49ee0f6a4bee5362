import ContactPointModel
import Foundation
import TestSupport
import XCTest

/// "A submit retried through `poc` never creates a second request", with the real `poc`
/// and a real pocd and, between them, a man in the middle that loses pocd's answer to the
/// first submit (`AnswerLosingProxy`).
///
/// `poc submit` gives the request an id of its own before the first attempt and, when an
/// attempt ends with no answer, sends the same body again; the daemon answers 200 to an
/// identical request under an id it holds. Without an id, the same body sent twice is two
/// requests: that is why poc always sends one.
final class PocRetryEndToEndTests: XCTestCase {
    var daemon: PocdProcess!

    override func setUpWithError() throws { daemon = try E2E.localDaemon() }
    override func tearDown() { daemon?.stop() }

    /// A valid request VN→DE with `reference` and no `id`.
    func requestWithoutID(reference: String) -> String {
        E2E.requestJSON(id: "none", reference: reference).replacingOccurrences(of: #""id":"none","#, with: "")
    }

    /// The ids of the requests in alice's queue with `reference`.
    func queuedIDs(reference: String) throws -> [String] {
        let queue = try daemon.curl("officer.vn.alice", "GET", "/v1/queue")
        XCTAssertEqual(queue.status, 200, queue.body)
        let items = queue.body.json["items"]?.arrayValue ?? []
        return items.filter { $0["reference"]?.stringValue == reference }.compactMap { $0["id"]?.stringValue }
    }

    func testSubmitWhoseAnswerIsLostIsRetriedAndStoredOnce() throws {
        let proxy = try AnswerLosingProxy(in: daemon, identity: "officer.vn.alice")
        defer { proxy.stop() }
        let reference = "VN-RETRY-\(Int.random(in: 1000...9999))"
        let folder = try TemporaryDirectory(prefix: "poc-retry")
        let file = folder.path("request.json")
        let body = requestWithoutID(reference: reference)
        XCTAssertFalse(body.contains(#""id":"#), "the file leaves the id to poc")
        try body.write(toFile: file, atomically: true, encoding: .utf8)

        let out = try daemon.poc("officer.vn.alice", ["submit", file, "--server", proxy.url])
        let forwarded = try proxy.forwarded()
        let context = "\(out)\nforwarded:\n\(forwarded.map(\.description).joined(separator: "\n"))\nproxy stderr:\n\(proxy.stderr)"
        XCTAssertEqual(out.status, 0, context)
        let firstLine = out.stdout.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(firstLine.hasPrefix("submitted: "), "a retry that found its own request reports it submitted: \(context)")
        let id = try XCTUnwrap(firstLine.split(separator: " ").dropFirst().first.map(String.init), context)
        XCTAssertTrue(firstLine.contains(reference), context)

        // The proxy wrote each line before relaying or dropping the answer, and poc has exited
        // with its answer: both submits are in the record now.
        let submits = forwarded.filter { $0.method == "POST" && $0.path == "/v1/requests" }
        XCTAssertEqual(submits, [
            .init(client: "officer.vn.alice", method: "POST", path: "/v1/requests", id: id, status: 201, relayed: false),
            .init(client: "officer.vn.alice", method: "POST", path: "/v1/requests", id: id, status: 200, relayed: true),
        ], "stored by the first attempt (answer lost), found identical by the retry: \(context)")

        XCTAssertEqual(try queuedIDs(reference: reference), [id], "one request, under poc's id")
        let verify = try daemon.pocd(["audit", "verify", "--config", "CONFIG"])
        XCTAssertEqual(verify.status, 0, verify.description)
    }

    func testWithoutAnIDTheSameBodyTwiceIsTwoRequests() throws {
        let reference = "VN-NOID-\(Int.random(in: 1000...9999))"
        let body = requestWithoutID(reference: reference)
        var ids: [String] = []
        for attempt in 1...2 {
            let created = try daemon.curl("officer.vn.alice", "POST", "/v1/requests", json: body)
            XCTAssertEqual(created.status, 201, "attempt \(attempt): \(created.body)")
            ids += created.body.json["id"]?.stringValue.map { [$0] } ?? []
        }
        XCTAssertEqual(Set(ids).count, 2, "each POST without an id got a new one: \(ids)")
        XCTAssertEqual(Set(try queuedIDs(reference: reference)), Set(ids), "two requests for one intent")
    }
}
