/// A request from one national 24/7 contact point to another, exactly as `POST /v1/requests`
/// carries it (see API.md). Which optional parts are mandatory depends on `kind`; see
/// `EvidenceRequest+Validation.swift`. Build one with `EvidenceRequest.decode(_:)`, which
/// validates; the memberwise initialiser does not.
public struct EvidenceRequest: Sendable, Hashable {
    /// UUID, lower case. Assigned by the daemon when the submitter leaves it out.
    public var id: String
    /// The requesting contact point's own reference (`VN-A05-2026-0113`).
    public var reference: String
    /// The requesting contact point.
    public var from: CountryCode
    /// The requested contact point.
    public var to: CountryCode
    public var kind: RequestKind
    public var priority: Priority
    /// Language of the free text (BCP 47 tag such as `en`).
    public var language: String?
    /// (a) The authority seeking preservation.
    public var authority: Authority?
    /// (b) The offence and a brief summary of the facts.
    public var offence: Offence?
    /// (c) The stored data and its relationship to the offence.
    public var data: [DataItem]
    /// (d) The custodian of the data or the location of the computer system.
    public var custodian: Custodian?
    /// (e) Why preservation is necessary.
    public var necessity: String?
    /// (f) The requesting State intends to submit a mutual legal assistance request.
    public var mlaIntended: Bool?
    /// The facts showing the emergency (kind `emergency-disclosure` only).
    public var emergency: EmergencyFacts?
    /// Keep the request confidential; do not notify the user (UN art. 42(2)).
    public var confidential: Bool?
    /// The id of an earlier request this one follows on from.
    public var extends: String?
    public var caseReference: String?
    /// Documents sent out of band, identified by their SHA-256.
    public var attachments: [Attachment]?

    public init(
        id: String, reference: String, from: CountryCode, to: CountryCode, kind: RequestKind, priority: Priority,
        language: String? = nil, authority: Authority? = nil, offence: Offence? = nil, data: [DataItem] = [],
        custodian: Custodian? = nil, necessity: String? = nil, mlaIntended: Bool? = nil,
        emergency: EmergencyFacts? = nil, confidential: Bool? = nil, extends: String? = nil,
        caseReference: String? = nil, attachments: [Attachment]? = nil
    ) {
        self.id = id
        self.reference = reference
        self.from = from
        self.to = to
        self.kind = kind
        self.priority = priority
        self.language = language
        self.authority = authority
        self.offence = offence
        self.data = data
        self.custodian = custodian
        self.necessity = necessity
        self.mlaIntended = mlaIntended
        self.emergency = emergency
        self.confidential = confidential
        self.extends = extends
        self.caseReference = caseReference
        self.attachments = attachments
    }

    /// The authority seeking preservation and how to reach it.
    public struct Authority: Sendable, Hashable {
        public var name: String?
        public var contact: String?
        public init(name: String?, contact: String? = nil) { self.name = name; self.contact = contact }
    }

    /// The offence under investigation.
    public struct Offence: Sendable, Hashable {
        public var description: String?
        public var legalProvision: String?
        /// A brief summary of the facts.
        public var summary: String?
        /// The conventions' criminalisation articles the conduct falls under, as submitted
        /// (required for `preservation`; kept in clear, see `SealedContent`).
        public var conventionArticles: [ConventionArticle]?
        public init(description: String?, legalProvision: String? = nil, summary: String?,
                    conventionArticles: [ConventionArticle]? = nil) {
            self.description = description
            self.legalProvision = legalProvision
            self.summary = summary
            self.conventionArticles = conventionArticles
        }
    }

    /// One set of stored data to preserve.
    public struct DataItem: Sendable, Hashable {
        public var description: String?
        public var relationToOffence: String?
        public var identifiers: [Identifier]?
        public var period: Period?
        public init(description: String?, relationToOffence: String?, identifiers: [Identifier]? = nil, period: Period? = nil) {
            self.description = description
            self.relationToOffence = relationToOffence
            self.identifiers = identifiers
            self.period = period
        }
    }

    /// Something that names the data at the provider: an e-mail address, an IP address, an account.
    public struct Identifier: Sendable, Hashable {
        public var type: String
        public var value: String
        public init(type: String, value: String) { self.type = type; self.value = value }
    }

    /// The time span of the data, `from` ≤ `to`.
    public struct Period: Sendable, Hashable {
        public var from: Instant
        public var to: Instant
        public init(from: Instant, to: Instant) { self.from = from; self.to = to }
    }

    /// Who holds the data, or where the computer system is.
    public struct Custodian: Sendable, Hashable {
        public var name: String?
        public var location: String?
        public init(name: String?, location: String? = nil) { self.name = name; self.location = location }
    }

    /// Why this is an emergency and how the data sought relate to it.
    public struct EmergencyFacts: Sendable, Hashable {
        /// The facts showing a significant and imminent risk to the life or safety of a person.
        public var facts: String?
        /// How the data sought relate to that risk.
        public var dataRelevance: String?
        public init(facts: String?, dataRelevance: String?) { self.facts = facts; self.dataRelevance = dataRelevance }
    }

    /// A document that travels out of band, identified by its SHA-256.
    public struct Attachment: Sendable, Hashable {
        public var name: String
        public var mediaType: String
        public var sha256: String
        public init(name: String, mediaType: String, sha256: String) {
            self.name = name
            self.mediaType = mediaType
            self.sha256 = sha256
        }
    }
}
