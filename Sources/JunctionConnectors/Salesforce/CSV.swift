import Foundation
import JunctionCore

/// RFC 4180 CSV, as the Bulk API reads and writes it: comma-separated, `"`-quoted where needed, LF line ends.
enum CSV {
    /// Records as CSV with a header of every field name in order of first appearance. Values must be scalars.
    static func write(_ records: [JSONValue]) throws -> String {
        var columns: [String] = []
        var seen = Set<String>()
        for record in records {
            guard let fields = record.objectValue else { throw ConnectorError.invalidInput("every record must be a JSON object") }
            for key in fields.keys.sorted() where seen.insert(key).inserted { columns.append(key) }
        }
        var lines = [columns.map(quoted).joined(separator: ",")]
        for (index, record) in records.enumerated() {
            let fields = record.objectValue ?? [:]
            let cells = try columns.map { column -> String in
                switch fields[column] {
                case nil, .null?: return ""
                case .string(let text)?: return quoted(text)
                case .number?, .integer?: return fields[column]?.numberText ?? ""
                case .bool(let flag)?: return flag ? "true" : "false"
                case .array?, .object?:
                    throw ConnectorError.invalidInput(
                        "record \(index), field '\(column)': bulk records hold only text, numbers and booleans")
                }
            }
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Rows of cells; quoted cells may hold commas, quotes (doubled) and line breaks.
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var quoted = false
        var characters = text.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = characters.next() {
                        if next == "\"" {
                            cell.append("\"")
                        } else {
                            quoted = false
                            pending = next
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    cell.append(character)
                }
                continue
            }
            switch character {
            case "\"": quoted = true
            case ",":
                row.append(cell)
                cell = ""
            case "\n", "\r\n", "\r":
                row.append(cell)
                rows.append(row)
                row = []
                cell = ""
            default: cell.append(character)
            }
        }
        if !cell.isEmpty || !row.isEmpty {
            row.append(cell)
            rows.append(row)
        }
        return rows
    }
}
