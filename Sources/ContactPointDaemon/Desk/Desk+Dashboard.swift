import ContactPointModel
import Dispatch

extension Desk {
    /// On-time rates per deadline kind and priority over 7, 30 and 90 days, and the
    /// distribution of time to acknowledge, for the caller's contact points
    /// (`GET /v1/stats/compliance`; the dashboard's compliance page).
    ///
    /// A scan of every request, in slices like the queue's, so that a million requests delay
    /// a submission by one slice at most.
    public func compliance(for caller: Caller, reply: @escaping @Sendable (DeskReply) -> Void) {
        queue.async { [self] in
            let scan = ComplianceScan(ComplianceTally(now: clock.now(), mine: caller.peopleCodes))
            continueCompliance(scan, from: 0, reply: reply)
        }
    }

    private func continueCompliance(_ scan: ComplianceScan, from start: Int, reply: @escaping @Sendable (DeskReply) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        let end = min(cases.count, start + Self.queueScanSlice)
        let mine = scan.tally.mine
        let policy = self.policy
        for i in start..<end {
            let record = cases[CaseTable.Slot(i)]
            guard mine.contains(record.to) || mine.contains(record.from) else { continue }
            scan.tally.add(record, policy: policy)
        }
        if end < cases.count {
            queue.async { [self] in continueCompliance(scan, from: end, reply: reply) }
            return
        }
        let tally = scan.tally
        DispatchQueue.global().async { reply(.ok(status: 200, body: tally.json)) }
    }

    /// What the dashboard needs to know of its user and of the contract, so that the page
    /// offers each action only to the side allowed to take it and lists the treaty's
    /// choices without copying them (`GET /v1/session`); with the daemon's time, the one clock
    /// the page shows its times on.
    public func session(for caller: Caller, role: String, instance: String, language: Language = .en) -> JSONValue {
        let directory = self.directory
        let mine = caller.peopleCodes
        let points: [JSONValue] = directory.contactPoints.values.sorted { $0.code.code < $1.code.code }.map { cp in
            ["code": .string(cp.code.code), "name": .string(cp.name), "local": .bool(cp.host == .local),
             "mine": .bool(mine.contains(cp.code))]
        }
        let actions: [JSONValue] = Action.allCases.map { a in
            ["name": .string(a.rawValue), "side": .string(a.side.rawValue),
             "states": .array(a.allowedIn.map(\.rawValue).sorted().map(JSONValue.string)),
             "kinds": .array(a.kinds.map(\.rawValue).sorted().map(JSONValue.string))]
        }
        return [
            "identity": .string(caller.identity),
            "now": .string(clock.now().rfc3339),  // the page shows times on this one clock
            "roles": .array(caller.principals.filter { $0.role != .daemon }
                .map { ["role": .string($0.role.rawValue), "contact_point": .string($0.contactPoint.code)] as JSONValue }),
            "contact_points": .array(mine.map(\.code).sorted().map(JSONValue.string)),
            "directory": .array(points),
            "actions": .array(actions),
            "refusal_grounds": .array(RefusalGround.allCases.map { .string($0.rawValue) }),
            "convention_articles": .array(ConventionArticle.allCases.map { ["code": .string($0.rawValue), "title": .string($0.title)] }),
            "kinds": .array(RequestKind.allCases.map { .string($0.rawValue) }),
            "priorities": .array(Priority.allCases.map { .string($0.rawValue) }),
            "states": .array(RequestState.allCases.map { .string($0.rawValue) }),
            "daemon": ["role": .string(role), "instance": .string(instance)],
            "language": .string(language.rawValue),
            "languages": .array(Language.allCases.map { ["code": .string($0.rawValue), "name": .string($0.nativeName), "rtl": .bool($0.isRightToLeft)] }),
            "messages": Self.pageMessages(language),
        ]
    }

    /// The catalogue texts the page uses, in `language` (English where a key lacks it): the
    /// `dash.*` keys, durations and roles, as templates with their `{placeholders}`; a plural
    /// entry as an object of CLDR categories, which the page picks with `Intl.PluralRules`.
    static func pageMessages(_ language: Language) -> JSONValue {
        var o = JSONObject()
        for key in Catalogue.keys where key.hasPrefix("dash.") || key.hasPrefix("duration.") || key.hasPrefix("role.") {
            guard let entry = Catalogue.entry(key, language) else { continue }
            switch entry {
            case .text(let t): o[key] = .string(t)
            case .plural(let forms):
                var f = JSONObject()
                for c in PluralCategory.allCases { if let text = forms[c] { f[c.rawValue] = .string(text) } }
                o[key] = .object(f)
            }
        }
        return .object(o)
    }
}

/// A compliance report in progress (owned by the Desk's queue while it scans).
final class ComplianceScan: @unchecked Sendable {  // touched only on the Desk's queue
    var tally: ComplianceTally
    init(_ tally: ComplianceTally) { self.tally = tally }
}

extension Desk {
    /// How many requests a prefix lookup names at most (enough to show an ambiguity).
    static let prefixMatchLimit = 20

    /// The requests the caller may read whose id starts with `prefix` (lowercase hex and
    /// dashes), so that people can type `2f1c7e3a` as they would a git commit
    /// (`GET /v1/requests?id_prefix=`). A scan in slices, like the queue's.
    public func requests(idPrefix prefix: String, for caller: Caller, reply: @escaping @Sendable (DeskReply) -> Void) {
        queue.async { [self] in
            continuePrefixScan(PrefixScan(prefix: prefix, caller: caller), from: 0, reply: reply)
        }
    }

    private func continuePrefixScan(_ scan: PrefixScan, from start: Int, reply: @escaping @Sendable (DeskReply) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        let end = min(cases.count, start + Self.queueScanSlice)
        for i in start..<end {
            let record = cases[CaseTable.Slot(i)]
            guard scan.caller.mayRead(record), record.id.hasPrefix(scan.prefix) else { continue }
            scan.matches.append(["id": .string(record.id), "reference": .string(record.reference), "from": .string(record.from.code),
                                 "to": .string(record.to.code), "state": .string(record.state.rawValue)])
            if scan.matches.count > Self.prefixMatchLimit { break }
        }
        if end < cases.count && scan.matches.count <= Self.prefixMatchLimit {
            queue.async { [self] in continuePrefixScan(scan, from: end, reply: reply) }
            return
        }
        let more = scan.matches.count > Self.prefixMatchLimit
        let items = Array(scan.matches.prefix(Self.prefixMatchLimit))
        reply(.ok(status: 200, body: ["count": .number(Double(items.count)), "more": .bool(more), "items": .array(items)]))
    }
}

/// A prefix lookup in progress (owned by the Desk's queue while it scans).
final class PrefixScan: @unchecked Sendable {  // touched only on the Desk's queue
    let prefix: String
    let caller: Caller
    var matches: [JSONValue] = []
    init(prefix: String, caller: Caller) {
        self.prefix = prefix
        self.caller = caller
    }
}
