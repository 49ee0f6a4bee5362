import ContactPointModel
import Foundation
import Sealing
import XCTest

final class SealingTests: XCTestCase {
    let requestID = "2f1c7e3a-9a1b-4c52-8f0e-7d1e2b3c4d5e"

    func testAESGCMRoundTripsAndRefusesAnythingAltered() {
        let key = AESGCM.randomBytes(32)
        let box = AESGCM.seal(Array("alice@example.org".utf8), key: key, aad: Array(requestID.utf8))
        XCTAssertEqual(box.count, 12 + 17 + 16)
        XCTAssertEqual(AESGCM.open(box, key: key, aad: Array(requestID.utf8)), Array("alice@example.org".utf8))
        XCTAssertNil(AESGCM.open(box, key: key, aad: Array("another request".utf8)), "the request id is bound as associated data")
        XCTAssertNil(AESGCM.open(box, key: AESGCM.randomBytes(32), aad: Array(requestID.utf8)))
        for i in [0, 12, box.count - 1] {
            var bent = box
            bent[i] ^= 0x01
            XCTAssertNil(AESGCM.open(bent, key: key, aad: Array(requestID.utf8)), "byte \(i) altered")
        }
        XCTAssertNotEqual(AESGCM.seal([1, 2, 3], key: key, aad: []), AESGCM.seal([1, 2, 3], key: key, aad: []), "a fresh nonce each time")
    }

    /// NIST SP 800-38D test case 16 (AES-256, 96-bit IV, with AAD): OpenSSL's GCM as this module
    /// drives it reproduces the published ciphertext and tag.
    func testAESGCMMatchesTheNISTVector() throws {
        func hex(_ s: String) -> [UInt8] {
            var out: [UInt8] = []
            var i = s.startIndex
            while i < s.endIndex {
                let j = s.index(i, offsetBy: 2)
                out.append(UInt8(s[i..<j], radix: 16)!)
                i = j
            }
            return out
        }
        let key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
        let nonce = hex("cafebabefacedbaddecaf888")
        let plain = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
        let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        let cipher = hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662")
        let tag = hex("76fc6ece0f4e1768cddf8853bb2d551b")
        XCTAssertEqual(AESGCM.open(nonce + cipher + tag, key: key, aad: aad), plain)
        XCTAssertNil(AESGCM.open(nonce + cipher + tag.map { $0 ^ 1 }, key: key, aad: aad))
    }

    func testAWrappedDataKeyUnwrapsOnlyForItsEventAndRequest() {
        let vault = Vault.ephemeral(id: "k1")
        let (key, wrapped) = vault.newDataKey(eventID: "e1", requestID: requestID)
        XCTAssertEqual(wrapped.masterKeyID, "k1")
        XCTAssertEqual(vault.unwrap(wrapped), key)
        var moved = wrapped
        moved.requestID = "another"
        XCTAssertNil(vault.unwrap(moved), "a wrapped key copied to another request does not unwrap")
        moved = wrapped
        moved.eventID = "e2"
        XCTAssertNil(vault.unwrap(moved))
        XCTAssertNil(Vault.ephemeral(id: "k1").unwrap(wrapped), "another key under the same id")
    }

    func testRotationRewrapsUnderTheNewestKeyAndKeepsTheDataKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sealing-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try MasterKey.generate(file: folder + "/k1.key")
        try MasterKey.generate(file: folder + "/k2.key")
        let k1 = try MasterKey.read(id: "k1", file: folder + "/k1.key")
        let k2 = try MasterKey.read(id: "k2", file: folder + "/k2.key")
        let (key, wrapped) = Vault(keys: [k1]).newDataKey(eventID: "e1", requestID: requestID)
        let both = Vault(keys: [k1, k2])
        let rewrapped = try XCTUnwrap(both.rewrap(wrapped))
        XCTAssertEqual(rewrapped.masterKeyID, "k2")
        XCTAssertEqual(Vault(keys: [k2]).unwrap(rewrapped), key, "readable with the new key alone")
        XCTAssertNil(Vault(keys: [k1]).unwrap(rewrapped))
    }

    func testAKeyFileMustBePrivateAndWellFormed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sealing-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/k.key"
        try MasterKey.generate(file: file)
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertThrowsError(try MasterKey.generate(file: file), "never replaces a key")
        let key = try MasterKey.read(id: "k", file: file)
        XCTAssertTrue(key.matches(check: key.check))
        chmod(file, 0o644)
        XCTAssertThrowsError(try MasterKey.read(id: "k", file: file)) { XCTAssertTrue("\($0)".contains("chmod 600"), "\($0)") }
        chmod(file, 0o600)
        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try MasterKey.read(id: "k", file: file)) { XCTAssertTrue("\($0)".contains("32 bytes"), "\($0)") }
        XCTAssertThrowsError(try MasterKey.read(id: "k", file: folder + "/missing.key"))
        let other = Vault.ephemeral(id: "k").keys[0]
        XCTAssertFalse(other.matches(check: key.check), "another key under the same id is told apart")
    }

    func testASubmittedRequestKeepsOnlyRoutingInClear() throws {
        let request: JSONValue = [
            "id": .string(requestID), "reference": "VN-A05-2026-0113", "from": "VN", "to": "DE", "kind": "preservation",
            "priority": "urgent", "data": [["description": "mailbox", "identifiers": [["type": "email", "value": "alice@example.org"]]]],
            "necessity": "the account may be deleted", "case_reference": "C-77",
        ]
        let payload: JSONValue = ["request": request]
        let key = AESGCM.randomBytes(32)
        let sealed = try XCTUnwrap(SealedContent.seal(payload, type: "submitted", requestID: requestID, key: key))
        let text = String(decoding: sealed.serialized(), as: UTF8.self)
        XCTAssertFalse(text.contains("alice@example.org"))
        XCTAssertFalse(text.contains("deleted"))
        for clear in ["VN-A05-2026-0113", "\"DE\"", "urgent", "preservation", "C-77", requestID] { XCTAssertTrue(text.contains(clear), clear) }
        XCTAssertEqual(Set(sealed["request"]!.objectValue!.keys),
                       ["id", "reference", "from", "to", "kind", "priority", "case_reference", "sealed"])
        let opened = try XCTUnwrap(SealedContent.open(sealed, type: "submitted", requestID: requestID, key: key))
        XCTAssertEqual(SealedContent.strippingSealed(opened, type: "submitted")["request"]?.jcsBytes(), request.jcsBytes())
        XCTAssertEqual(SealedContent.storedForm(opened, type: "submitted").jcsBytes(), sealed.jcsBytes(),
                       "the stored form, which the log's leaf covers, is rebuilt from the opened one")
        XCTAssertNil(SealedContent.open(sealed, type: "submitted", requestID: "other", key: key))
        let erased = try XCTUnwrap(SealedContent.open(sealed, type: "submitted", requestID: requestID, key: nil))
        XCTAssertEqual(erased, sealed, "erased: only what is in clear")
        XCTAssertNil(erased["request"]?["data"])
        XCTAssertEqual(erased["request"]?["reference"], "VN-A05-2026-0113")
        guard case .success(.submitted(let clearOnly)) = SealedContent.replayEvent(type: "submitted", payload: sealed) else {
            return XCTFail("replay reads the clear part")
        }
        XCTAssertEqual(clearOnly.reference, "VN-A05-2026-0113")
        XCTAssertEqual(clearOnly.priority, .urgent)
    }

    /// The offence is sealed but its classification stays in clear beside it: the queue filters
    /// and counts by it without a key, and it outlives an erasure.
    func testTheOffencesArticlesStayInClearAndTheRestOfItIsSealed() throws {
        let offence: JSONValue = ["description": "Computer fraud", "summary": "Victims paid Alice Example for nothing",
                                  "convention_articles": ["UN-13", "BUD-8"]]
        let request: JSONValue = [
            "id": .string(requestID), "reference": "VN-1", "from": "VN", "to": "DE", "kind": "preservation",
            "priority": "urgent", "offence": offence, "necessity": "n",
        ]
        let key = AESGCM.randomBytes(32)
        let sealed = try XCTUnwrap(SealedContent.seal(["request": request], type: "submitted", requestID: requestID, key: key))
        let text = String(decoding: sealed.serialized(), as: UTF8.self)
        XCTAssertFalse(text.contains("Alice Example"))
        XCTAssertFalse(text.contains("Computer fraud"))
        XCTAssertEqual(sealed["request"]?["offence"], ["convention_articles": ["UN-13", "BUD-8"]])
        let opened = try XCTUnwrap(SealedContent.open(sealed, type: "submitted", requestID: requestID, key: key))
        XCTAssertEqual(SealedContent.strippingSealed(opened, type: "submitted")["request"]?.jcsBytes(), request.jcsBytes(),
                       "opened, the offence is whole again")
        XCTAssertEqual(SealedContent.storedForm(opened, type: "submitted").jcsBytes(), sealed.jcsBytes())
        guard case .success(.submitted(let clearOnly)) = SealedContent.replayEvent(type: "submitted", payload: sealed) else {
            return XCTFail("replay reads the clear part")
        }
        XCTAssertEqual(clearOnly.offence?.conventionArticles, [.un13, .bud8], "erased or not, the classification replays")
        XCTAssertNil(clearOnly.offence?.description)

        // An offence with no classification is sealed whole, as before (stored events keep their form).
        var plain = request.objectValue!
        plain["offence"] = ["description": "Computer fraud", "summary": "facts"]
        let older = try XCTUnwrap(SealedContent.seal(["request": .object(plain)], type: "submitted", requestID: requestID, key: key))
        XCTAssertNil(older["request"]?["offence"])
        let reopened = try XCTUnwrap(SealedContent.open(older, type: "submitted", requestID: requestID, key: key))
        XCTAssertEqual(SealedContent.storedForm(reopened, type: "submitted").jcsBytes(), older.jcsBytes())
    }

    func testReasonsAndProviderReferencesAreSealedAndReplayWithoutThem() throws {
        let key = AESGCM.randomBytes(32)
        let preserved = CaseEvent.preserved(providerReference: "EM-4471", partial: false,
                                            expiresAt: Instant(millisecondsSince1970: 1_800_000_000_000)).payload
        let sealed = try XCTUnwrap(SealedContent.seal(preserved, type: "preserved", requestID: requestID, key: key))
        XCTAssertNil(sealed["provider_reference"])
        XCTAssertNotNil(sealed["expires_at"], "the expiry drives deadlines: clear")
        guard case .success(.preserved(let ref, _, let expires)) = SealedContent.replayEvent(type: "preserved", payload: sealed) else {
            return XCTFail("replays without the key")
        }
        XCTAssertEqual(ref, "")
        XCTAssertEqual(expires, Instant(millisecondsSince1970: 1_800_000_000_000))
        let opened = try XCTUnwrap(SealedContent.open(sealed, type: "preserved", requestID: requestID, key: key))
        XCTAssertEqual(SealedContent.storedForm(opened, type: "preserved").jcsBytes(), sealed.jcsBytes())
        guard case .success(let back) = CaseEvent.decode(type: "preserved", payload: opened) else { return XCTFail("opens") }
        XCTAssertEqual(back, CaseEvent.preserved(providerReference: "EM-4471", partial: false,
                                                 expiresAt: Instant(millisecondsSince1970: 1_800_000_000_000)))
        XCTAssertNil(SealedContent.seal(CaseEvent.acknowledged.payload, type: "acknowledged", requestID: requestID, key: key))
        let refused = try XCTUnwrap(SealedContent.seal(CaseEvent.refused(ground: .sovereignty, reason: "names a minister").payload,
                                                       type: "refused", requestID: requestID, key: key))
        XCTAssertEqual(refused["ground"], "sovereignty")
        XCTAssertNil(refused["reason"])
    }

    func testASealedOutboxBodyOpensOnlyWithItsKey() throws {
        let key = AESGCM.randomBytes(32)
        let body = Array(#"{"id":"x","data":"alice@example.org"}"#.utf8)
        let stored = SealedBody.seal(body, requestID: requestID, eventID: "e1", key: key)
        XCTAssertFalse(String(decoding: stored, as: UTF8.self).contains("alice"))
        let parsed = try XCTUnwrap(SealedBody(stored))
        XCTAssertEqual(parsed.requestID, requestID)
        XCTAssertEqual(parsed.eventID, "e1")
        XCTAssertEqual(parsed.open(key: key), body)
        XCTAssertNil(parsed.open(key: AESGCM.randomBytes(32)))
        XCTAssertNil(SealedBody(body), "a plain body is not taken for a sealed one")
    }
}
