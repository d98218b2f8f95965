import ModeldCore

/// `acquire`: the model, how long to wait for it (0 or absent: answer at once), and what
/// the job needs, for alternatives.
public struct AcquireArguments: Codable, Sendable {
    public var model: String
    public var waitSeconds: Double?
    public var needs: Needs?

    public init(model: String, waitSeconds: Double? = nil, needs: Needs? = nil) {
        self.model = model
        self.waitSeconds = waitSeconds
        self.needs = needs
    }

    enum CodingKeys: String, CodingKey { case model, waitSeconds = "wait_s", needs }
}

/// `release`: the lease, and how the use went (for usage analytics). Any other field is
/// kept with the use as a figure, as with `report`.
public struct ReleaseArguments: Codable, Sendable {
    public var lease: String
    public var success: Bool?
    public var durationSeconds: Double?

    public init(lease: String, success: Bool? = nil, durationSeconds: Double? = nil) {
        self.lease = lease
        self.success = success
        self.durationSeconds = durationSeconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case lease, success, durationSeconds = "duration_s" }

    /// The request's fields that are not arguments of `release` itself.
    public static let fixedFields: Set<String> = Set(CodingKeys.allCases.map(\.stringValue) + ["cmd", "id"])
}

/// `report`: one generation's figures. Any other field of the request (`frames`,
/// `steps`, `peak_vram_gb`…) is kept with it as a metric.
public struct ReportArguments: Codable, Sendable {
    public var model: String
    public var durationSeconds: Double
    public var success: Bool

    public init(model: String, durationSeconds: Double, success: Bool) {
        self.model = model
        self.durationSeconds = durationSeconds
        self.success = success
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case model, durationSeconds = "duration_s", success }

    /// The request's fields that are not arguments of `report` itself.
    public static let fixedFields: Set<String> = Set(CodingKeys.allCases.map(\.stringValue) + ["cmd", "id"])
}

/// `suggest`: the model wanted and what the job needs.
public struct SuggestArguments: Codable, Sendable {
    public var model: String
    public var needs: Needs?

    public init(model: String, needs: Needs? = nil) {
        self.model = model
        self.needs = needs
    }
}
