import XCTest
import ContactPointModel
import TestSupport
@testable import ContactPointStore

/// A fresh data directory per test, removed afterwards.
class StoreTestCase: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "cp-store-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func event(_ request: String = "r1", _ sequence: Int, type: String = "acknowledged", note: String = "n") -> NewEvent {
        NewEvent(id: UUID().uuidString.lowercased(), requestID: request, sequence: sequence, type: type,
                 actor: "officer.de.bob", at: Instant(rfc3339: "2026-11-23T08:00:00.250Z")!, payload: ["note": .string(note)])
    }

    @discardableResult
    func append(_ store: EventStore, _ events: [NewEvent], outbox: [OutboxMessage] = []) throws -> [StoredEvent] {
        guard case .stored(let stored) = try store.appendAndWait(WriteBatch(events: events, outbox: outbox)).get() else {
            XCTFail("expected stored")
            return []
        }
        return stored
    }

    /// Runs the sqlite3 CLI on the store's file.
    func sqlite(_ path: String, _ sql: String) throws -> (status: Int32, output: String) {
        let out = try Subprocess.run("/usr/bin/sqlite3", [path, sql])
        return (out.status, out.stdout + out.stderr)
    }
}
