import Foundation
import JunctionCore

/// What became of each record of a batch create, at its index.
public struct BatchResult: Sendable, Equatable {
    /// One record's outcome.
    public enum Outcome: Sendable, Equatable {
        /// Created with this provider id (and the provider's record, when it returned one).
        case created(id: String?, record: JSONValue?)
        /// Refused, with the provider's status when there was one and its message.
        case failed(status: Int?, message: String)
    }

    /// How the batch went out: `sequential`, `composite` (Salesforce, 200 per call) or `bulk` (Salesforce Bulk API 2.0).
    public var method: String
    /// The outcomes; in the order of the records given when ``isOrdered``.
    public var outcomes: [Outcome]
    /// Whether outcome *n* belongs to record *n*. A bulk job reports its successes and failures as separate result
    /// sets, each outcome carrying the record's fields instead.
    public var isOrdered: Bool
    /// The provider's job id, for `bulk`.
    public var jobID: String?
    /// The job's final state, for `bulk` (`JobComplete`, `Failed`, `Aborted`, or the state it was in at the deadline).
    public var jobState: String?

    /// A result.
    public init(method: String, outcomes: [Outcome], isOrdered: Bool = true, jobID: String? = nil, jobState: String? = nil) {
        self.method = method
        self.outcomes = outcomes
        self.isOrdered = isOrdered
        self.jobID = jobID
        self.jobState = jobState
    }
}
