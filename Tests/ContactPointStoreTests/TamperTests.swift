import XCTest
import ContactPointModel
@testable import ContactPointStore

/// Someone with the database file and the sqlite3 CLI edits history; verify must say where.
final class TamperTests: StoreTestCase {
    func makeLog() throws -> EventStore {
        let store = try EventStore(directory: dir, clock: .system)
        for i in 0..<6 { try append(store, [event("r1", i, note: "event \(i)")]) }
        XCTAssertTrue(try store.verifyChain().isIntact)
        return store
    }

    func tamper(_ store: EventStore, _ sql: String) throws {
        let r = try sqlite(store.path, "DROP TRIGGER events_append_only_update; DROP TRIGGER events_append_only_delete; \(sql)")
        XCTAssertEqual(r.status, 0, r.output)
    }

    func testAnEditedPayloadIsNamed() throws {
        let store = try makeLog()
        try tamper(store, #"UPDATE events SET payload = '{"note":"event 9"}' WHERE position = 4"#)
        let result = try store.verifyChain()
        XCTAssertEqual(result.firstBroken?.position, 4)
        XCTAssertTrue(result.description.contains("BROKEN at event 4"), result.description)
        XCTAssertTrue(result.description.contains("changed after it was written"), result.description)
    }

    func testAnEditedActorOrTimeIsNamed() throws {
        let store = try makeLog()
        try tamper(store, "UPDATE events SET actor = 'someone.else' WHERE position = 2")
        XCTAssertEqual(try store.verifyChain().firstBroken?.position, 2)
    }

    func testARecomputedHashBreaksTheNextLink() throws {
        let store = try makeLog()
        // A careful forger fixes the edited event's own hash; the next event still points at the old one.
        let history = try store.history(of: "r1")
        guard history.count == 6 else { return XCTFail("expected the six events of makeLog, got \(history.count)") }
        var forged = history[2].event
        forged.payload = ["note": "forged"]
        let newHash = HashChain.hash(previous: history[2].previousHash, envelope: forged.canonicalEnvelope)
        try tamper(store, #"UPDATE events SET payload = '{"note":"forged"}', hash = '\#(newHash)' WHERE position = 3"#)
        let result = try store.verifyChain()
        XCTAssertEqual(result.firstBroken?.position, 4)
        XCTAssertTrue(result.firstBroken?.reason.contains("previous hash") == true, result.description)
    }

    func testADeletedEventIsNamed() throws {
        let store = try makeLog()
        try tamper(store, "DELETE FROM events WHERE position = 3")
        let result = try store.verifyChain()
        XCTAssertEqual(result.firstBroken?.position, 4)
        XCTAssertTrue(result.firstBroken?.reason.contains("missing") == true, result.description)
    }

    func testNonCanonicalPayloadIsNamed() throws {
        let store = try makeLog()
        try tamper(store, #"UPDATE events SET payload = '{ "note":"event 5"}' WHERE position = 6"#)
        XCTAssertEqual(try store.verifyChain().firstBroken?.position, 6)
    }
}
