/// What a request asks the other contact point to do.
public enum RequestKind: String, Sendable, Hashable, CaseIterable {
    /// Expedited preservation of stored data (UN art. 42; Budapest art. 29).
    case preservation
    /// Expedited disclosure of preserved traffic data (UN art. 43; Budapest art. 30).
    case trafficDisclosure = "traffic-disclosure"
    /// Data to avert a significant and imminent risk to life or safety (Second Protocol
    /// arts. 9–10; UN art. 41). Always priority `emergency`.
    case emergencyDisclosure = "emergency-disclosure"
    /// Other 24/7 assistance: technical advice, legal information, locating suspects (UN art. 41; Budapest art. 35).
    case assistance
}

/// How fast the request must be handled; selects the deadline policy.
public enum Priority: String, Sendable, Hashable, CaseIterable, Comparable {
    case emergency, urgent, routine

    /// Emergency sorts first.
    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }

    var rank: Int {
        switch self {
        case .emergency: return 0
        case .urgent: return 1
        case .routine: return 2
        }
    }
}

extension Action {
    /// The kinds of request this action answers: an emergency disclosure is answered with
    /// `disclose`, never `preserve`; only it is answered with `disclose`.
    public var kinds: Set<RequestKind> {
        switch self {
        case .disclose: return [.emergencyDisclosure]
        case .preserve: return Set(RequestKind.allCases).subtracting([.emergencyDisclosure])
        default: return Set(RequestKind.allCases)
        }
    }
}

extension RequestKind {
    /// The deadlines of a request of this kind: an emergency disclosure's "preserve" deadline
    /// is the deadline to disclose (the data provided, Second Protocol art. 9; UN art. 41).
    public func renaming(_ deadlines: [Deadline]) -> [Deadline] {
        guard self == .emergencyDisclosure else { return deadlines }
        return deadlines.map { Deadline(kind: name(of: $0.kind), dueAt: $0.dueAt, owedBy: $0.owedBy) }
    }

    /// A lifecycle deadline kind as a request of this kind names it.
    public func name(of deadline: DeadlineKind) -> DeadlineKind {
        self == .emergencyDisclosure && deadline == .preserve ? .disclose : deadline
    }
}
