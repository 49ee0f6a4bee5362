/// Where a request stands (API.md "States").
public enum RequestState: String, Sendable, Hashable, CaseIterable {
    /// Stored by the requesting daemon, not yet receipted by the requested side's daemon.
    case submitted
    /// The requested side's daemon stored it (transport receipt).
    case delivered
    /// A person at the requested contact point has taken it.
    case acknowledged
    /// The requested side warned that preservation will not ensure availability or would
    /// threaten confidentiality; the requesting side must `proceed` or `withdraw`.
    case riskNotified = "risk-notified"
    /// Data preserved; the expiry clock runs (at least 60 days).
    case preserved
    /// The MLA request was sent; preserved with no expiry until `release`.
    case mlaPending = "mla-pending"
    /// An emergency disclosure: the requested side provided the data (an end).
    case disclosed
    case refused
    case noData = "no-data"
    case withdrawn
    case expired
    case released

    /// An end state: no action is allowed and no deadline runs.
    public var isFinal: Bool {
        switch self {
        case .refused, .noData, .withdrawn, .expired, .released, .disclosed: return true
        default: return false
        }
    }
}

/// Which end of a request a principal is on.
public enum Side: String, Sendable, Hashable, CaseIterable {
    /// The contact point that sent the request (`from`).
    case requesting
    /// The contact point asked to act (`to`).
    case requested
}

/// What a person (or a partner daemon acting for one) can do to a request: the
/// `POST /v1/requests/{id}/{action}` routes.
public enum Action: String, Sendable, Hashable, CaseIterable {
    case acknowledge
    case preserve
    case reportNoData = "report-no-data"
    case refuse
    case notifyRisk = "notify-risk"
    case discloseTraffic = "disclose-traffic"
    case proceed
    case extend
    case linkMLA = "link-mla"
    case withdraw
    case release
    /// Requested side, emergency disclosure only: the data were provided (Second Protocol art. 9; UN art. 41).
    case disclose

    /// The only side that may take this action.
    public var side: Side {
        switch self {
        case .proceed, .extend, .linkMLA, .withdraw: return .requesting
        default: return .requested
        }
    }

    /// The states in which this action is allowed.
    public var allowedIn: Set<RequestState> {
        switch self {
        case .acknowledge: return [.delivered]
        case .preserve, .reportNoData, .refuse, .notifyRisk, .disclose: return [.delivered, .acknowledged]
        case .discloseTraffic: return [.acknowledged, .preserved, .mlaPending]
        case .proceed: return [.riskNotified]
        case .extend, .linkMLA: return [.preserved]
        case .withdraw: return [.submitted, .delivered, .acknowledged, .riskNotified, .preserved, .mlaPending]
        case .release: return [.preserved, .mlaPending]
        }
    }
}

/// The legal deadlines a request can carry.
public enum DeadlineKind: String, Sendable, Hashable, CaseIterable, Comparable {
    /// The partner daemon's transport receipt.
    case deliver
    /// A person at the requested contact point takes the request.
    case acknowledge
    /// The requested side preserves the data (or decides otherwise).
    case preserve
    /// Emergency disclosure: the requested side provides the data (or refuses), within the
    /// emergency deadline; the same allowance as `preserve` in the policy.
    case disclose
    /// The requesting side answers a risk notice with `proceed` or `withdraw`.
    case answerRisk = "answer-risk"
    /// The end of the preservation period.
    case expiry

    public static func < (lhs: DeadlineKind, rhs: DeadlineKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Whether missing it runs the escalation ladder (expiry instead ends the preservation).
    public var escalates: Bool { self != .expiry }
}
