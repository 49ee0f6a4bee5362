import XCTest
import ContactPointModel
@testable import ContactPointStore

/// The projection read at start: a large table is read in two parts at once, by the reader and
/// by a second connection in the same snapshot; the rows and the digest check come out the same.
final class ProjectionScanTests: StoreTestCase {
    func row(_ i: Int64) -> CaseRecord.Snapshot {
        CaseRecord.Snapshot(
            id: RequestID.random(), reference: "REF-\(i)", from: 0x564E, to: 0x4445, kind: "preservation", priority: "urgent",
            state: i % 3 == 0 ? "acknowledged" : "delivered", eventCount: 1 + i % 4, times: InlineArray { i * 1_000 + Int64($0) },
            levels: [i % 3, 0, 1, 0], reminderExpires: Int64.min, reminderBefore: 0, articles: i % 7)
    }

    /// 1,200 rows written in 12 commits, each with an event so the projection stays current.
    func storeWithRows() throws -> (EventStore, [CaseRecord.Snapshot]) {
        let store = try EventStore(directory: dir, clock: .system)
        var rows: [CaseRecord.Snapshot] = []
        for b in 0..<12 {
            let batch = (0..<100).map { row(Int64(b * 100 + $0)) }
            rows += batch
            _ = try store.appendAndWait(WriteBatch(events: [event(batch[0].id.description, 0, type: "submitted")], snapshots: batch)).get()
        }
        XCTAssertTrue(try store.projectionIsCurrent())
        return (store, rows)
    }

    func read(_ store: EventStore, splittingFrom: Int64) throws -> (rows: [RequestID: CaseRecord.Snapshot], matches: Bool, calls: Int) {
        var rows: [RequestID: CaseRecord.Snapshot] = [:]
        var calls = 0
        var reserved: Int?
        let matches = try store.forEachSnapshot(splittingFrom: splittingFrom, reserve: { reserved = $0 }) {
            XCTAssertEqual(reserved, 1_200, "told the count before the first row")
            calls += 1
            rows[$0.id] = $0
        }
        return (rows, matches, calls)
    }

    func testTwoHalvesReadEveryRowOnceAndMatchTheDigest() throws {
        let (store, written) = try storeWithRows()
        let expected = Dictionary(uniqueKeysWithValues: written.map { ($0.id, $0) })
        // The second connection is opened, sees what the reader sees, and starts two fifths of the way in.
        let second = try XCTUnwrap(try store.onReader { try store.secondReader(rows: 1_200, from: 1) })
        second.connection.close()
        let sorted = written.map { (Int64(bitPattern: $0.id.high), Int64(bitPattern: $0.id.low)) }.sorted { $0 < $1 }
        XCTAssertTrue(second.split == sorted[480], "the split is the 481st key of 1,200")
        XCTAssertNil(try store.onReader { try store.secondReader(rows: 1_200, from: 1_201) }, "a smaller table is read by one connection")

        let split = try read(store, splittingFrom: 1)
        XCTAssertTrue(split.matches)
        XCTAssertEqual(split.calls, 1_200, "each row once")
        XCTAssertEqual(split.rows, expected)
        let whole = try read(store, splittingFrom: 100_000)
        XCTAssertTrue(whole.matches)
        XCTAssertEqual(whole.rows, expected)
    }

    /// A row edited behind the daemon's back in either part no longer matches the digest.
    func testAnEditInEitherHalfIsFound() throws {
        let (store, written) = try storeWithRows()
        let sorted = written.sorted { (Int64(bitPattern: $0.id.high), Int64(bitPattern: $0.id.low)) < (Int64(bitPattern: $1.id.high), Int64(bitPattern: $1.id.low)) }
        for (which, row) in [("lower", sorted[3]), ("upper", sorted[1_190])] {
            let high = Int64(bitPattern: row.id.high), low = Int64(bitPattern: row.id.low)
            let edit = try sqlite(store.path, "UPDATE cases SET state = 'released' WHERE id_high = \(high) AND id_low = \(low)")
            XCTAssertEqual(edit.status, 0, edit.output)
            let edited = try read(store, splittingFrom: 1)
            XCTAssertFalse(edited.matches, "an edit in the \(which) part")
            XCTAssertEqual(edited.rows[row.id]?.state, "released")
            XCTAssertEqual(try sqlite(store.path, "UPDATE cases SET state = '\(row.state)' WHERE id_high = \(high) AND id_low = \(low)").status, 0)
            XCTAssertTrue(try read(store, splittingFrom: 1).matches, "put back")
        }
    }

    /// An error from the caller stops the scan and is thrown; the store reads on afterwards.
    func testAnErrorFromTheCallerStopsBothHalves() throws {
        struct Stop: Error {}
        let (store, _) = try storeWithRows()
        var calls = 0
        XCTAssertThrowsError(try store.forEachSnapshot(splittingFrom: 1) { _ in
            calls += 1
            if calls == 10 { throw Stop() }
        }) { XCTAssertTrue($0 is Stop, "\($0)") }
        XCTAssertEqual(calls, 10)
        XCTAssertEqual(try read(store, splittingFrom: 1).calls, 1_200)
    }

    /// The hand-over holds at most four chunks: more wait until some are taken, and the
    /// taker's stop releases a reader that waits, without handing its chunk over.
    func testTheHandOverIsBoundedAndCanBeStopped() throws {
        let handoff = SnapshotHandoff()
        handoff.start()
        for _ in 0..<4 { XCTAssertTrue(handoff.put([row(1)])) }
        let four = expectation(description: "four more chunks are handed over once the first four are taken")
        let ninth = expectation(description: "the ninth put returns false once the taker stops")
        let rows = (5...9).map { row(Int64($0)) }
        DispatchQueue.global().async {
            for r in rows.prefix(4) { XCTAssertTrue(handoff.put([r])) }
            four.fulfill()
            XCTAssertFalse(handoff.put([rows[4]]))
            ninth.fulfill()
        }
        XCTAssertEqual(handoff.takeReady().count, 4)
        wait(for: [four], timeout: 10)
        handoff.cancel()
        wait(for: [ninth], timeout: 10)
        handoff.finish(nil)
        var left: [String] = []
        while let chunk = try handoff.take() { left += chunk.map(\.reference) }
        XCTAssertEqual(left, ["REF-5", "REF-6", "REF-7", "REF-8"], "the four that fit; the ninth never went in")
    }
}
