import BenchmarkSupport
import Foundation
import JunctionConnectors
import JunctionCore

/// Mapping throughput: a 30-field declarative mapping (renames, nested paths, string-to-integer coercion, unix
/// dates, money in minor units, lookups, defaults) against a hand-written Swift function doing the same to the same
/// records, in the same run. Bounded: `--records` (default 20,000) per round, 7 alternating rounds; the median
/// of the per-round ratios is reported.
@main
struct DataMappingBenchmark {
    static func main() async {
        await runBenchmark(run)
    }

    static func run() throws {
        let count = try BenchmarkCommandLine().integer("--records", default: 20_000)
        let records = (0..<1000).map(record)
        var fields: [DataMapping.Field] = []
        for index in 0..<10 { fields.append(.init(target: "text\(index)", source: "s\(index)")) }
        for index in 0..<5 { fields.append(.init(target: "count\(index)", source: "meta.n\(index)", type: "integer")) }
        for index in 0..<5 { fields.append(.init(target: "at\(index)", source: "t\(index)", type: "date", format: "unix")) }
        for index in 0..<5 { fields.append(.init(target: "money\(index)", source: "m\(index)", type: "money", currencySource: "currency")) }
        for index in 0..<3 {
            fields.append(.init(target: "state\(index)", source: "flag\(index)", lookup: ["true": "on", "false": "off"]))
        }
        fields.append(.init(target: "address.city", source: "address.city"))
        fields.append(.init(target: "plan", source: "meta.plan", default: "free"))
        let mapper = try DataMapper(DataMapping(name: "bench", version: 1, idSource: "id", fields: fields))
        let (declarativeFirst, handFirst) = (try mapper.inbound(records[0]), try handWritten(records[0]))
        precondition(declarativeFirst == handFirst, "both paths must produce the same record")

        var ratios: [Double] = []
        var declarativeRates: [Double] = []
        var handRates: [Double] = []
        for _ in 0..<7 {
            let hand = try measure(count) { try handWritten(records[$0 % records.count]) }
            let declarative = try measure(count) { try mapper.inbound(records[$0 % records.count], position: $0) }
            handRates.append(hand)
            declarativeRates.append(declarative)
            ratios.append(declarative / hand)
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        print("records per round: \(count), 30 fields, 7 rounds")
        print("| path | records/s (median) | ratio |")
        print("|---|---:|---:|")
        print("| hand-written Swift mapping | \(Int(median(handRates))) | 1.00 |")
        print("| DataMapper (declarative) | \(Int(median(declarativeRates))) | \(String(format: "%.2f", median(ratios))) |")
    }

    static func measure(_ count: Int, _ body: (Int) throws -> JSONValue) throws -> Double {
        var sink = 0
        let started = ContinuousClock.now
        for index in 0..<count {
            if case .object(let members) = try body(index) { sink &+= members.count }
        }
        let elapsed = ContinuousClock.now - started
        precondition(sink > 0)
        return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    static func record(_ index: Int) -> JSONValue {
        var members: [String: JSONValue] = ["id": .string("rec_\(index)"), "currency": index.isMultiple(of: 5) ? "jpy" : "usd"]
        for field in 0..<10 { members["s\(field)"] = .string("value \(index)-\(field)") }
        for field in 0..<5 { members["t\(field)"] = .number(Double(1_700_000_000 + index * 60 + field)) }
        for field in 0..<5 { members["m\(field)"] = .number(Double(index * 100 + field)) }
        for field in 0..<3 { members["flag\(field)"] = .bool((index + field).isMultiple(of: 2)) }
        members["address"] = ["city": .string("City \(index % 50)")]
        var meta: [String: JSONValue] = [:]
        for field in 0..<5 { meta["n\(field)"] = .string(String(index + field)) }
        if index.isMultiple(of: 3) { meta["plan"] = "pro" }
        members["meta"] = .object(meta)
        return .object(members)
    }

    struct Invalid: Error {}

    /// The same mapping, written by hand as an integration would without a mapper.
    static func handWritten(_ record: JSONValue) throws -> JSONValue {
        guard case .object(let input) = record else { throw Invalid() }
        var output: [String: JSONValue] = [:]
        for index in 0..<10 { if let value = input["s\(index)"], value != .null { output["text\(index)"] = value } }
        let meta = input["meta"]?.objectValue ?? [:]
        for index in 0..<5 {
            guard let text = meta["n\(index)"]?.stringValue, let number = Int64(text) else { throw Invalid() }
            output["count\(index)"] = .number(Double(number))
        }
        for index in 0..<5 {
            guard let seconds = input["t\(index)"]?.doubleValue else { throw Invalid() }
            output["at\(index)"] = .string(Date(timeIntervalSince1970: seconds).formatted(.iso8601))
        }
        let currency = input["currency"]?.stringValue ?? "usd"
        let scale: Double = ["jpy", "krw"].contains(currency) ? 1 : 100
        for index in 0..<5 {
            guard let minor = input["m\(index)"]?.doubleValue else { throw Invalid() }
            output["money\(index)"] = .number(minor / scale)
        }
        for index in 0..<3 {
            guard let flag = input["flag\(index)"]?.boolValue else { throw Invalid() }
            output["state\(index)"] = flag ? "on" : "off"
        }
        if let city = input["address"]?["city"] { output["address"] = ["city": city] }
        output["plan"] = meta["plan"] ?? "free"
        return .object(output)
    }
}
