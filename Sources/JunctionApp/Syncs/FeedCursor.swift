import Foundation
import JunctionStore

/// The change feed's cursor as readers hold it: an opaque token naming the sync and a feed position, so a cursor of
/// one sync is refused by another and a mangled one gets a clear error rather than a wrong page.
public enum FeedCursor {
    /// The cursor for `position` in the feed of `syncID`.
    public static func encode(_ position: FeedPosition, syncID: String) -> String {
        let text = "v1|\(syncID)|\(position.sequence)|\(position.externalID)"
        return Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The position `cursor` names in the feed of `syncID`.
    public static func decode(_ cursor: String, syncID: String) throws(ApplicationError) -> FeedPosition {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard cursor.count <= 2048, let data = Data(base64Encoded: base64), !data.contains(0), let text = String(data: data, encoding: .utf8)
        else {
            throw invalid
        }
        let parts = text.split(separator: "|", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", let sequence = Int64(parts[2]), sequence >= 0 else { throw invalid }
        guard parts[1] == syncID else {
            throw .invalid("parameter 'cursor' belongs to another sync's feed", code: "invalid-cursor")
        }
        return FeedPosition(sequence: sequence, externalID: String(parts[3]))
    }

    private static var invalid: ApplicationError {
        .invalid("parameter 'cursor' is not a cursor this feed handed out (use a nextCursor as it was given)", code: "invalid-cursor")
    }
}
