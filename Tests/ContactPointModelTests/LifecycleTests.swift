import XCTest
@testable import ContactPointModel

let t0 = Instant(rfc3339: "2026-11-23T08:00:00Z")!
let policy = DeadlinePolicy.defaults[.urgent]

/// A lifecycle brought into `state` through recorded events, as replay would.
func lifecycle(in state: RequestState) -> Lifecycle {
    var l = Lifecycle(submittedAt: t0)
    let preserved = CaseEvent.preserved(providerReference: "P-1", partial: false, expiresAt: t0 + .days(60))
    let path: [CaseEvent]
    switch state {
    case .submitted: path = []
    case .delivered: path = [.delivered(by: "pocd.de")]
    case .acknowledged: path = [.delivered(by: "pocd.de"), .acknowledged]
    case .riskNotified: path = [.delivered(by: "pocd.de"), .riskNotified(reason: "provider notifies users")]
    case .preserved: path = [.delivered(by: "pocd.de"), .acknowledged, preserved]
    case .mlaPending: path = [.delivered(by: "pocd.de"), .acknowledged, preserved, .mlaLinked(reference: "MLA-1", sentAt: t0)]
    case .refused: path = [.delivered(by: "pocd.de"), .refused(ground: .politicalOffence, reason: "r")]
    case .noData: path = [.delivered(by: "pocd.de"), .noDataReported(reason: "r")]
    case .withdrawn: path = [.withdrawn(reason: "r")]
    case .expired: path = [.delivered(by: "pocd.de"), .acknowledged, preserved, .expired(expiresAt: t0 + .days(60))]
    case .released: path = [.delivered(by: "pocd.de"), .acknowledged, preserved, .released(reason: "r")]
    case .disclosed: path = [.delivered(by: "pocd.de"), .disclosed(providerReference: "D-1", handedOver: "encrypted mail")]
    }
    for e in path {
        do { try l.apply(e, at: t0) } catch { XCTFail("replaying \(e) towards \(state): \(error)") }
    }
    XCTAssertEqual(l.state, state)
    return l
}

/// One well-formed input per action.
func sampleInput(_ action: Action) -> ActionInput {
    switch action {
    case .acknowledge: return .acknowledge
    case .preserve: return .preserve(providerReference: "P-1", partial: false, preservedUntil: nil)
    case .reportNoData: return .reportNoData(reason: "account closed in 2024")
    case .refuse: return .refuse(ground: .essentialInterests, reason: "r")
    case .notifyRisk: return .notifyRisk(reason: "provider notifies users")
    case .discloseTraffic: return .discloseTraffic(providers: [ServiceProvider(name: "Relay Inc", country: CountryCode("US")!)], pathSummary: "via US relay")
    case .proceed: return .proceed
    case .extend: return .extend(.days(30))
    case .linkMLA: return .linkMLA(reference: "MLA-2026-9", sentAt: t0)
    case .withdraw: return .withdraw(reason: "suspect identified")
    case .release: return .release(reason: "MLA decided")
    case .disclose: return .disclose(providerReference: "D-1", handedOver: "encrypted mail to the duty officer")
    }
}

final class LifecycleTests: XCTestCase {
    /// Where each allowed action leads; `nil` means the state is kept.
    let target: [Action: RequestState?] = [
        .acknowledge: .acknowledged, .preserve: .preserved, .reportNoData: .noData, .refuse: .refused,
        .notifyRisk: .riskNotified, .discloseTraffic: nil, .proceed: .acknowledged, .extend: nil,
        .linkMLA: .mlaPending, .withdraw: .withdrawn, .release: .released, .disclose: .disclosed,
    ]

    func testTheTransitionTable() {
        let expected: [Action: Set<RequestState>] = [
            .acknowledge: [.delivered],
            .preserve: [.delivered, .acknowledged],
            .reportNoData: [.delivered, .acknowledged],
            .refuse: [.delivered, .acknowledged],
            .notifyRisk: [.delivered, .acknowledged],
            .discloseTraffic: [.acknowledged, .preserved, .mlaPending],
            .proceed: [.riskNotified],
            .extend: [.preserved],
            .linkMLA: [.preserved],
            .withdraw: [.submitted, .delivered, .acknowledged, .riskNotified, .preserved, .mlaPending],
            .release: [.preserved, .mlaPending],
            .disclose: [.delivered, .acknowledged],
        ]
        for action in Action.allCases { XCTAssertEqual(action.allowedIn, expected[action], action.rawValue) }
        XCTAssertEqual(Set(Action.allCases.filter { $0.side == .requesting }), [.proceed, .extend, .linkMLA, .withdraw])
    }

    /// Every action, in every state, from both sides: allowed exactly where the table says,
    /// with the right resulting state; refused otherwise, naming the current state.
    func testEveryActionInEveryStateFromEverySide() throws {
        for state in RequestState.allCases {
            for action in Action.allCases {
                for side in Side.allCases {
                    var l = lifecycle(in: state)
                    let input = sampleInput(action)
                    let label = "\(action.rawValue) by \(side.rawValue) in \(state.rawValue)"
                    if side != action.side {
                        XCTAssertThrowsError(try l.decide(input, by: side, at: t0 + .hours(1), policy: policy), label) {
                            XCTAssertEqual($0 as? LifecycleRefusal, .wrongSide(action: action, required: action.side), label)
                        }
                    } else if action.allowedIn.contains(state) {
                        let event = try l.decide(input, by: side, at: t0 + .hours(1), policy: policy)
                        XCTAssertEqual(event.action, action, label)
                        try l.apply(event, at: t0 + .hours(1))
                        XCTAssertEqual(l.state, try XCTUnwrap(target[action], "no target for \(label)") ?? state, label)
                    } else {
                        XCTAssertThrowsError(try l.decide(input, by: side, at: t0 + .hours(1), policy: policy), label) { error in
                            XCTAssertEqual(error as? LifecycleRefusal, .notAllowed(action: action, state: state), label)
                            XCTAssertTrue("\(error)".contains("state \(state.rawValue)"), "\(error)")
                        }
                    }
                }
            }
        }
    }

    func testApplyRefusesImpossibleEventsFromALogOrAPartner() {
        var l = lifecycle(in: .submitted)
        XCTAssertThrowsError(try l.apply(.acknowledged, at: t0))
        XCTAssertThrowsError(try l.apply(.expired(expiresAt: t0), at: t0))
        var done = lifecycle(in: .released)
        XCTAssertThrowsError(try done.apply(.withdrawn(reason: "x"), at: t0))
        var delivered = lifecycle(in: .delivered)
        XCTAssertThrowsError(try delivered.apply(.delivered(by: "again"), at: t0))
        XCTAssertThrowsError(try delivered.receipt(by: "again"))
        XCTAssertEqual(try lifecycle(in: .submitted).receipt(by: "pocd.de"), .delivered(by: "pocd.de"))
    }

    func testEndStatesAllowNothing() {
        for state in RequestState.allCases where state.isFinal {
            XCTAssertTrue(Action.allCases.allSatisfy { !$0.allowedIn.contains(state) }, state.rawValue)
            XCTAssertEqual(lifecycle(in: state).deadlines(policy: policy), [])
        }
    }

    // MARK: deadlines per state

    func testDeadlinesOfEachState() {
        XCTAssertEqual(lifecycle(in: .submitted).deadlines(policy: policy),
                       [Deadline(kind: .deliver, dueAt: t0 + .minutes(15), owedBy: .requesting)])
        XCTAssertEqual(lifecycle(in: .delivered).deadlines(policy: policy),
                       [Deadline(kind: .acknowledge, dueAt: t0 + .hours(4), owedBy: .requested),
                        Deadline(kind: .preserve, dueAt: t0 + .hours(24), owedBy: .requested)])
        XCTAssertEqual(lifecycle(in: .acknowledged).deadlines(policy: policy),
                       [Deadline(kind: .preserve, dueAt: t0 + .hours(24), owedBy: .requested)])
        XCTAssertEqual(lifecycle(in: .riskNotified).deadlines(policy: policy),
                       [Deadline(kind: .answerRisk, dueAt: t0 + .hours(4), owedBy: .requesting)])
        XCTAssertEqual(lifecycle(in: .preserved).deadlines(policy: policy),
                       [Deadline(kind: .expiry, dueAt: t0 + .days(60), owedBy: .requesting)])
        XCTAssertEqual(lifecycle(in: .mlaPending).deadlines(policy: policy), [])
    }

    func testPreservationLastsAtLeastSixtyDays() throws {
        let l = lifecycle(in: .acknowledged)
        let now = t0 + .hours(2)
        let event = try l.decide(.preserve(providerReference: "P", partial: true, preservedUntil: nil), by: .requested, at: now, policy: policy)
        XCTAssertEqual(event, .preserved(providerReference: "P", partial: true, expiresAt: now + .days(60)))
        XCTAssertThrowsError(try l.decide(.preserve(providerReference: "P", partial: false, preservedUntil: now + .days(59)),
                                          by: .requested, at: now, policy: policy)) { error in
            guard case .invalid(let p) = error as? LifecycleRefusal else { return XCTFail("\(error)") }
            XCTAssertEqual(p.all.map(\.field), ["preserved_until"])
        }
        let longer = try l.decide(.preserve(providerReference: "P", partial: false, preservedUntil: now + .days(90)),
                                  by: .requested, at: now, policy: policy)
        XCTAssertEqual(longer, .preserved(providerReference: "P", partial: false, expiresAt: now + .days(90)))
        var generous = policy
        generous.preservationPeriod = .days(90)
        XCTAssertEqual(try l.decide(.preserve(providerReference: "P", partial: false, preservedUntil: nil), by: .requested, at: now, policy: generous),
                       .preserved(providerReference: "P", partial: false, expiresAt: now + .days(90)))
    }

    func testLinkMLAStopsTheExpiryClock() throws {
        var l = lifecycle(in: .preserved)
        XCTAssertFalse(l.reminders(policy: policy).isEmpty)
        try l.apply(l.decide(sampleInput(.linkMLA), by: .requesting, at: t0 + .days(10), policy: policy), at: t0 + .days(10))
        XCTAssertEqual(l.state, .mlaPending)
        XCTAssertEqual(l.deadlines(policy: policy), [])
        XCTAssertTrue(l.reminders(policy: policy).isEmpty)
        XCTAssertNil(l.expiry(at: t0 + .days(365)))
        XCTAssertThrowsError(try l.decide(.extend(.days(5)), by: .requesting, at: t0, policy: policy))
    }

    func testExtendMovesTheExpiryAndReschedulesReminders() throws {
        var l = lifecycle(in: .preserved)
        XCTAssertEqual(l.reminders(policy: policy).map(\.at), [t0 + .days(46), t0 + .days(53), t0 + .days(58)])
        let now = t0 + .days(50)
        let event = try l.decide(.extend(.days(30)), by: .requesting, at: now, policy: policy)
        XCTAssertEqual(event, .extended(expiresAt: t0 + .days(90), previous: t0 + .days(60)))
        try l.apply(event, at: now)
        XCTAssertEqual(l.state, .preserved)
        XCTAssertEqual(l.deadlines(policy: policy).map(\.dueAt), [t0 + .days(90)])
        XCTAssertEqual(l.reminders(policy: policy).map(\.at), [t0 + .days(76), t0 + .days(83), t0 + .days(88)])
        XCTAssertThrowsError(try l.decide(.extend(.until(t0 + .days(80))), by: .requesting, at: now, policy: policy)) {
            guard case .invalid(let p) = $0 as? LifecycleRefusal else { return XCTFail() }
            XCTAssertEqual(p.all.map(\.field), ["until"])
        }
    }

    func testARiskNoticeWaitsForTheRequestingSide() throws {
        var l = lifecycle(in: .acknowledged)
        try l.apply(l.decide(sampleInput(.notifyRisk), by: .requested, at: t0 + .hours(1), policy: policy), at: t0 + .hours(1))
        XCTAssertEqual(l.deadlines(policy: policy), [Deadline(kind: .answerRisk, dueAt: t0 + .hours(5), owedBy: .requesting)])
        XCTAssertThrowsError(try l.decide(sampleInput(.preserve), by: .requested, at: t0, policy: policy))
        try l.apply(l.decide(.proceed, by: .requesting, at: t0 + .hours(2), policy: policy), at: t0 + .hours(2))
        XCTAssertEqual(l.state, .acknowledged)
        XCTAssertEqual(l.deadlines(policy: policy), [Deadline(kind: .preserve, dueAt: t0 + .hours(26), owedBy: .requested)])
    }

    func testLinkMLARefusesAFutureSendingDate() {
        XCTAssertThrowsError(try lifecycle(in: .preserved).decide(.linkMLA(reference: "M", sentAt: t0 + .days(3)),
                                                                  by: .requesting, at: t0, policy: policy))
    }

    func testExpiryOnlyWhilePreserved() {
        XCTAssertNil(lifecycle(in: .preserved).expiry(at: t0 + .days(59)))
        XCTAssertEqual(lifecycle(in: .preserved).expiry(at: t0 + .days(60)), .expired(expiresAt: t0 + .days(60)))
        XCTAssertNil(lifecycle(in: .mlaPending).expiry(at: t0 + .days(600)))
    }
}
