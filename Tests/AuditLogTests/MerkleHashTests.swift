import AuditLog
import XCTest

/// `MerkleHash`: exactly 32 bytes, strict base64 and lower-case hex.
final class MerkleHashTests: XCTestCase {
    func testBase64AndHexRoundTrip() throws {
        let hash = Merkle.emptyRoot
        XCTAssertEqual(hash.base64, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        XCTAssertEqual(hash.hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(MerkleHash(base64: hash.base64), hash)
        XCTAssertEqual(MerkleHash(hex: hash.hex), hash)
        XCTAssertEqual("\(hash)", hash.hex)
    }

    func testRefusesAnythingButExactly32Bytes() {
        let refusedBase64 = [
            "",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",      // padding missing
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=",     // non-zero bits after the last byte
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU==",    // extra padding
            "47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",     // URL alphabet
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuA==",     // 31 bytes
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA",     // 33 bytes
            " 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",    // white space
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hS=FU=",     // padding inside
        ]
        for text in refusedBase64 { XCTAssertNil(MerkleHash(base64: text), text) }
        let refusedHex = [
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",  // upper case
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",   // odd length
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8",    // 31 bytes
            "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8",
        ]
        for text in refusedHex { XCTAssertNil(MerkleHash(hex: text), text) }
        XCTAssertNil(MerkleHash(bytes: [UInt8](repeating: 0, count: 31)))
        XCTAssertNotNil(MerkleHash(bytes: [UInt8](repeating: 0, count: 32)))
    }
}
