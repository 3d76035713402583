import Foundation
import JunctionApp

/// A bar chart drawn on the server as SVG markup: one bar per hour, its failed part in red, with the peak and the
/// first and last hours labelled. Nothing is fetched and no script runs, so it shows under the dashboard's
/// Content-Security-Policy and with JavaScript off. Only numbers and fixed words go into the markup.
struct SVGChart {
    /// The hours, oldest first.
    var hours: [DashboardQueries.HourCount]
    /// What the bars count, for the accessible title (`events`).
    var unit: String

    private static let width = 480.0
    private static let height = 140.0
    private static let bottom = 18.0

    var markup: String {
        let peak = max(hours.map(\.total).max() ?? 0, 1)
        let slot = Self.width / Double(max(hours.count, 1))
        let plot = Self.height - Self.bottom - 12
        var parts: [String] = [
            #"<svg class="chart" viewBox="0 0 \#(Int(Self.width)) \#(Int(Self.height))" role="img" aria-label="\#(total) \#(unit) in 24 hours, \#(failed) failed">"#,
            #"<line x1="0" y1="\#(Self.height - Self.bottom)" x2="\#(Self.width)" y2="\#(Self.height - Self.bottom)"/>"#,
            #"<text x="2" y="10">peak \#(peak)/h</text>"#,
        ]
        for (index, hour) in hours.enumerated() {
            let x = Double(index) * slot + 1
            let barWidth = max(slot - 2, 1)
            let totalHeight = plot * Double(hour.total) / Double(peak)
            let failedHeight = plot * Double(hour.failed) / Double(peak)
            let base = Self.height - Self.bottom
            if hour.total > 0 {
                parts.append(
                    #"<rect class="bar" x="\#(Self.format(x))" y="\#(Self.format(base - totalHeight))" width="\#(Self.format(barWidth))" height="\#(Self.format(totalHeight))"><title>\#(hour.total) \#(unit), \#(hour.failed) failed</title></rect>"#
                )
            }
            if hour.failed > 0 {
                parts.append(
                    #"<rect class="bar failed" x="\#(Self.format(x))" y="\#(Self.format(base - failedHeight))" width="\#(Self.format(barWidth))" height="\#(Self.format(failedHeight))"/>"#
                )
            }
        }
        if let first = hours.first {
            parts.append(#"<text x="0" y="\#(Self.height - 4)">\#(Self.clock(first.hour)) UTC</text>"#)
            parts.append(#"<text x="\#(Self.width - 24)" y="\#(Self.height - 4)">now</text>"#)
        }
        parts.append("</svg>")
        return parts.joined()
    }

    private var total: Int { hours.reduce(0) { $0 + $1.total } }
    private var failed: Int { hours.reduce(0) { $0 + $1.failed } }

    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    private static func clock(_ date: Date) -> String {
        let components = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: date)
        return String(format: "%02d:00", components.hour ?? 0)
    }
}
