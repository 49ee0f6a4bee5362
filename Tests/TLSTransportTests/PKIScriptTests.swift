import Foundation
import TestSupport
import XCTest

/// `Scripts/pki.sh`: what it makes, silently, and that a second run keeps what exists.
final class PKIScriptTests: XCTestCase {
    func testMakesTheFilesSilentlyAndIsIdempotent() throws {
        let directory = try TemporaryDirectory(prefix: "pki-script")
        defer { directory.remove() }
        let script = ProjectRoot.path("Scripts/pki.sh")
        let first = try Subprocess.run("/bin/bash", [script, directory.path, "--server", "pocd.vn", "--client", "officer.vn.alice"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout + first.stderr, "", "silent without -v")
        let expected = ["ca.crt", "ca.key", "pocd.vn.crt", "pocd.vn.key", "officer.vn.alice.crt", "officer.vn.alice.key",
                        "expired.crt", "expired.key", "foreign-ca.crt", "foreign-ca.key", "foreign.crt", "foreign.key",
                        "revoked.crt", "revoked.key", "ca.crl"]
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)), Set(expected))
        for key in expected where key.hasSuffix(".key") {
            let mode = try FileManager.default.attributesOfItem(atPath: directory.path(key))[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600, key)
        }
        let caBefore = try String(contentsOfFile: directory.path("ca.crt"), encoding: .utf8)
        let serverBefore = try String(contentsOfFile: directory.path("pocd.vn.crt"), encoding: .utf8)

        let second = try Subprocess.run("/bin/bash", [script, directory.path, "--server", "pocd.vn", "--client", "officer.vn.bob"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try String(contentsOfFile: directory.path("ca.crt"), encoding: .utf8), caBefore, "the CA is kept")
        XCTAssertEqual(try String(contentsOfFile: directory.path("pocd.vn.crt"), encoding: .utf8), serverBefore)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path("officer.vn.bob.crt")), "new names are added")

        let openssl = { (arguments: [String]) throws -> String in
            let result = try Subprocess.run("/usr/bin/openssl", arguments)
            XCTAssertEqual(result.status, 0, result.stderr)
            return result.stdout
        }
        let server = try openssl(["x509", "-in", directory.path("pocd.vn.crt"), "-noout", "-subject", "-ext",
                                  "subjectAltName,extendedKeyUsage"])
        XCTAssertTrue(server.contains("CN = pocd.vn"))
        XCTAssertTrue(server.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:pocd.vn"), server)
        XCTAssertTrue(server.contains("TLS Web Server Authentication, TLS Web Client Authentication"))
        let client = try openssl(["x509", "-in", directory.path("officer.vn.bob.crt"), "-noout", "-ext", "extendedKeyUsage"])
        XCTAssertTrue(client.contains("TLS Web Client Authentication") && !client.contains("Server"))
        let expired = try openssl(["x509", "-in", directory.path("expired.crt"), "-noout", "-subject", "-enddate"])
        XCTAssertTrue(expired.contains("CN = expired.client") && expired.contains("2020"), expired)
        let verify = try Subprocess.run("/usr/bin/openssl", ["verify", "-CAfile", directory.path("ca.crt"), directory.path("expired.crt")])
        XCTAssertTrue(verify.stdout.contains("certificate has expired") || verify.stderr.contains("certificate has expired"))
        let foreign = try openssl(["x509", "-in", directory.path("foreign.crt"), "-noout", "-subject", "-issuer", "-ext", "subjectAltName"])
        XCTAssertTrue(foreign.contains("CN = foreign.client") && foreign.contains("Foreign test CA") && foreign.contains("127.0.0.1"))
        let revoked = try Subprocess.run("/usr/bin/openssl", ["verify", "-crl_check", "-CAfile", directory.path("ca.crt"),
                                                          "-CRLfile", directory.path("ca.crl"), directory.path("revoked.crt")])
        XCTAssertTrue((revoked.stdout + revoked.stderr).contains("certificate revoked"))
    }

    /// Under `faketime '+45 days'` the script sees the faked time and a Go peer (Alertmanager)
    /// the real one: certificates must already be valid for a clock that is behind.
    func testCertificatesAreValidForAPeerWhoseClockIsBehind() throws {
        let directory = try TemporaryDirectory(prefix: "pki-script")
        defer { directory.remove() }
        let made = try Subprocess.run("/bin/bash", [ProjectRoot.path("Scripts/pki.sh"), directory.path, "--server", "s", "--client", "c"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let monthsAgo = Int(Date().timeIntervalSince1970) - 200 * 86400
        for name in ["s", "c", "foreign"] {
            let ca = name == "foreign" ? "foreign-ca.crt" : "ca.crt"
            let verify = try Subprocess.run("/usr/bin/openssl", ["verify", "-attime", "\(monthsAgo)", "-CAfile", directory.path(ca),
                                                                 directory.path("\(name).crt")])
            XCTAssertEqual(verify.status, 0, "\(name).crt 200 days ago: \(verify)")
        }
    }

    func testRefusesBadUsage() throws {
        let directory = try TemporaryDirectory(prefix: "pki-script")
        defer { directory.remove() }
        let script = ProjectRoot.path("Scripts/pki.sh")
        XCTAssertNotEqual(try Subprocess.run("/bin/bash", [script]).status, 0)
        XCTAssertNotEqual(try Subprocess.run("/bin/bash", [script, directory.path, "--server"]).status, 0)
        let reserved = try Subprocess.run("/bin/bash", [script, directory.path, "--client", "expired"])
        XCTAssertNotEqual(reserved.status, 0)
        XCTAssertTrue(reserved.stderr.contains("reserved"))
        let verbose = try Subprocess.run("/bin/bash", [script, directory.path, "-v"])
        XCTAssertEqual(verbose.status, 0)
        XCTAssertFalse(verbose.stderr.isEmpty, "-v reports what it makes")
    }
}
