/// How far each deadline's ladder has climbed: one byte per escalating deadline kind,
/// where a dictionary would cost a heap allocation per request.
public struct EscalationLevels: Sendable, Hashable {
    var deliver: UInt8 = 0
    var acknowledge: UInt8 = 0
    var preserve: UInt8 = 0
    var answerRisk: UInt8 = 0

    public init() {}

    /// The level fired for `kind`, or nil if none has fired.
    public subscript(kind: DeadlineKind) -> Int? {
        get {
            let v: UInt8
            switch kind {
            case .deliver: v = deliver
            case .acknowledge: v = acknowledge
            case .preserve, .disclose: v = preserve  // one or the other, by the request's kind
            case .answerRisk: v = answerRisk
            case .expiry: v = 0
            }
            return v == 0 ? nil : Int(v)
        }
        set {
            let v = UInt8(clamping: newValue ?? 0)
            switch kind {
            case .deliver: deliver = v
            case .acknowledge: acknowledge = v
            case .preserve, .disclose: preserve = v
            case .answerRisk: answerRisk = v
            case .expiry: break
            }
        }
    }

    /// Every deadline kind with a level fired, and that level (the shared preserve/disclose
    /// byte is reported once, as `preserve`; `CaseRecord.firedEscalations` names it by kind).
    public var fired: [(kind: DeadlineKind, level: Int)] {
        DeadlineKind.allCases.filter { $0 != .disclose }.compactMap { k in self[k].map { (k, $0) } }
    }
}
