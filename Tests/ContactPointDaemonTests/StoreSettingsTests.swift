import ContactPointModel
import XCTest
@testable import ContactPointDaemon

/// `store:` in pocd.yaml, and partners that run a pair (`daemon: {urls: [...]}`).
final class StoreSettingsTests: XCTestCase {
    let base = """
        contact_point: VN
        listen: "127.0.0.1:8443"
        tls: {certificate: c.crt, private_key: c.key, client_ca: ca.crt}
        data_dir: /var/lib/contactpoint
        directory: directory.yaml
        policy: policy.yaml

        """

    func parse(_ extra: String) throws -> (DaemonConfiguration, [String]) {
        let (c, problems) = try DaemonConfiguration.parse(yaml: base + extra, file: "/etc/contactpoint/pocd.yaml")
        return (c, problems.map(\.description))
    }

    func testSQLiteInTheDataDirectoryIsTheDefault() throws {
        let (c, problems) = try parse("")
        XCTAssertEqual(problems, [])
        XCTAssertEqual(c.store, .sqlite(file: "/var/lib/contactpoint/events.sqlite"))
        XCTAssertEqual(try parse("store: {sqlite: {path: log/events.sqlite}}").0.store, .sqlite(file: "/etc/contactpoint/log/events.sqlite"))
    }

    func testPostgreSQLTakesAURLAPasswordFileAndALease() throws {
        let (c, problems) = try parse("""
            store:
              postgresql:
                url: "postgresql://pocd@db.example:5432/contactpoint?sslmode=verify-full"
                password_file: db-password
                lease: 20s
            """)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(c.store, .postgresql(url: "postgresql://pocd@db.example:5432/contactpoint?sslmode=verify-full",
                                            passwordFile: "/etc/contactpoint/db-password", lease: .seconds(20)))
        XCTAssertEqual(try parse("store: {postgresql: {url: \"postgres://pocd@db/cp\"}}").0.store,
                       .postgresql(url: "postgres://pocd@db/cp", passwordFile: nil, lease: .seconds(10)), "the lease defaults to 10 s")
    }

    func testAPasswordInTheYAMLIsRefusedAndSoAreBadSettings() throws {
        for (yaml, expected) in [
            ("store: {postgresql: {url: \"postgresql://pocd:secret@db/cp\"}}", "store.postgresql.url: must not carry a password"),
            ("store: {postgresql: {url: \"postgresql://pocd@db/cp?password=secret\"}}", "store.postgresql.url: must not carry a password"),
            ("store: {postgresql: {url: \"mysql://db/cp\"}}", "store.postgresql.url: must be a URL postgresql://"),
            ("store: {postgresql: {url: \"postgresql://db/cp\", lease: 1s}}", "store.postgresql.lease: must be from 2s to 5m"),
            ("store: {postgresql: {url: \"postgresql://db/cp\", password: x}}", "store.postgresql.password: unknown key"),
            ("store: {sqlite: {}, postgresql: {url: \"postgresql://db/cp\"}}", "store.postgresql: name one backend"),
            ("store: {}", "store.sqlite: name a backend"),
        ] {
            let problems = try parse(yaml).1
            XCTAssertTrue(problems.contains { $0.contains(expected) }, "\(yaml): \(problems)")
            XCTAssertFalse(problems.joined().contains("secret"), "the password is not repeated in the message")
        }
    }

    func testAPartnerThatRunsAPairListsBothAddresses() throws {
        let yaml = """
            contact_points:
              VN: {name: VN, daemon: local, principals: [{identity: officer.vn.alice, role: officer}]}
              DE:
                name: DE
                daemon: {urls: ["https://a.de.example:8443", "https://b.de.example:8443"], identity: pocd.de}
                principals: [{identity: pocd.de, role: daemon}]
              US:
                name: US
                daemon: {url: "https://us.example:8443", identity: pocd.us}
                principals: [{identity: pocd.us, role: daemon}]
            """
        let d = try Directory.load(yaml: yaml, file: "directory.yaml")
        XCTAssertEqual(d.contactPoints[CountryCode("DE")!]?.host, .partner(urls: ["https://a.de.example:8443", "https://b.de.example:8443"], identity: "pocd.de"))
        XCTAssertEqual(d.contactPoints[CountryCode("US")!]?.host, .partner(urls: ["https://us.example:8443"], identity: "pocd.us"))
        let bad = yaml.replacingOccurrences(of: "\"https://b.de.example:8443\"", with: "\"http://b.de.example\"")
        XCTAssertThrowsError(try Directory.load(yaml: bad, file: "directory.yaml")) { error in
            XCTAssertTrue("\(error)".contains("urls: must be https://host:port"), "\(error)")
        }
    }
}
