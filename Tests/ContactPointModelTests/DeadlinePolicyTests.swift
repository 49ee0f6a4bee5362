import XCTest
@testable import ContactPointModel

final class DeadlinePolicyTests: XCTestCase {
    let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Config/policy.yaml")

    func load(_ yaml: String) throws -> DeadlinePolicy {
        try DeadlinePolicy.load(yaml: yaml, file: "policy.yaml")
    }

    func errors(_ yaml: String) -> [String] {
        do { _ = try load(yaml); XCTFail("expected errors"); return [] } catch let e as ConfigurationErrors {
            return e.errors.map(\.description)
        } catch { XCTFail("\(error)"); return [] }
    }

    /// A complete policy in seconds, with one line replaceable.
    func policy(_ replace: String = "", with: String = "") -> String {
        var text = """
        priorities:
          emergency:
            deliver_within: 5s
            acknowledge_within: 10s
            preserve_within: 20s
            preservation_period: 60d
            remind_before_expiry: [14d, 7d, 48h]
            escalation:
              - {after: 0s, level: 1, notify: [officer]}
              - {after: 5s, level: 2, notify: [supervisor, partner]}
          urgent: {deliver_within: 15m, acknowledge_within: 4h, preserve_within: 24h, preservation_period: 60d,
                   remind_before_expiry: [], escalation: [{after: 0s, level: 1, notify: [officer]}]}
          routine: {deliver_within: 1h, acknowledge_within: 24h, preserve_within: 72h, preservation_period: 90d,
                    remind_before_expiry: [7d], escalation: [{after: 0s, level: 1, notify: [officer.vn.alice]}]}
        """
        if !replace.isEmpty { text = text.replacingOccurrences(of: replace, with: with) }
        return text
    }

    func testTheShippedPolicyIsTheDomainDefaults() throws {
        let text = try String(contentsOf: shipped, encoding: .utf8)
        let shippedPolicy = try DeadlinePolicy.load(yaml: text, file: "Config/policy.yaml")
        XCTAssertEqual(shippedPolicy.priorities, DeadlinePolicy.defaults.priorities)
        XCTAssertEqual(shippedPolicy.retentionAfterEnd, .days(180), "content erased 180 days after the end (docs/privacy.md)")
    }

    func testRetentionIsOptionalAndMustBeADuration() throws {
        XCTAssertNil(try load(policy()).retentionAfterEnd, "no block: kept until erased on order")
        XCTAssertEqual(try load(policy() + "\nretention: {after_end: 2d}\n").retentionAfterEnd, .days(2))
        for bad in ["retention: {after_end: soon}", "retention: {after_end: 0s}", "retention: {}", "retention: {after_end: 2d, keep: 1d}"] {
            XCTAssertThrowsError(try load(policy() + "\n" + bad + "\n"), bad) { error in
                XCTAssertTrue("\(error)".contains("retention"), "\(bad): \(error)")
            }
        }
    }

    func testAPolicyInSeconds() throws {
        let p = try load(policy())
        XCTAssertEqual(p[.emergency].acknowledgeWithin, .seconds(10))
        XCTAssertEqual(p[.emergency].answerRiskWithin, .seconds(10), "defaults to acknowledge_within")
        XCTAssertEqual(p[.emergency].escalation.map(\.level), [1, 2])
        XCTAssertEqual(p[.routine].preservationPeriod, .days(90))
        XCTAssertEqual(p[.routine].escalation.first?.notify, ["officer.vn.alice"])
    }

    func testAPreservationPeriodUnderSixtyDaysIsRefused() {
        XCTAssertEqual(errors(policy("preservation_period: 60d\n", with: "preservation_period: 30d\n")),
                       ["policy.yaml: priorities.emergency.preservation_period: 30d is below the treaty minimum of 60 days (UN art. 42(4); Budapest art. 29(7))"])
    }

    func testUnknownKeysAreRefused() {
        let found = errors(policy("deliver_within: 5s", with: "deliver_within: 5s\n    acknowledge_whithin: 1h"))
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found.first?.hasPrefix("policy.yaml: priorities.emergency.acknowledge_whithin: unknown key") == true, "\(found)")
        XCTAssertTrue(errors(policy() + "\nextra: 1").first?.hasPrefix("policy.yaml: extra: unknown key") == true)
        XCTAssertTrue(errors(policy("routine:", with: "rutine:")).contains { $0.contains("priorities.rutine: unknown priority") })
    }

    func testMalformedDurationsAreRefusedNamingTheKey() {
        XCTAssertEqual(errors(policy("deliver_within: 5s", with: "deliver_within: 5 minutes")),
                       [#"policy.yaml: priorities.emergency.deliver_within: "5 minutes" is not a duration (write 30s, 45m, 8h or 3d)"#])
        XCTAssertEqual(errors(policy("[14d, 7d, 48h]", with: "[14d, 1w]")),
                       ["policy.yaml: priorities.emergency.remind_before_expiry[1]: not a duration (write 30s, 45m, 8h or 3d)"])
        XCTAssertEqual(errors(policy("{after: 5s,", with: "{after: soon,")),
                       [#"policy.yaml: priorities.emergency.escalation[1].after: "soon" is not a duration (write 30s, 45m, 8h or 3d)"#])
    }

    func testMissingKeysAndPrioritiesAreRequired() {
        XCTAssertEqual(errors(policy("    preserve_within: 20s\n", with: "")), ["policy.yaml: priorities.emergency.preserve_within: required"])
        let noUrgent = policy().components(separatedBy: "\n").filter { !$0.contains("urgent") && !$0.contains("remind_before_expiry: [], escalation") }.joined(separator: "\n")
        XCTAssertEqual(errors(noUrgent), ["policy.yaml: priorities.urgent: required"])
        XCTAssertEqual(errors("priorities: [1]"), ["policy.yaml: priorities: must be a mapping of keys to values"])
        XCTAssertEqual(errors("{").count, 1, "\(errors("{"))")
        XCTAssertTrue(errors("{").first?.hasPrefix("policy.yaml: not valid YAML") == true)
    }

    func testLaddersMustRise() {
        let found = errors(policy("{after: 5s, level: 2,", with: "{after: 5s, level: 1,"))
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found.first?.contains("priorities.emergency.escalation: levels must rise") == true, "\(found)")
    }
}
