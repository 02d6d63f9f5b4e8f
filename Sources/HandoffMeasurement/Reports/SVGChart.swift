import Foundation

/// Tiny inline-SVG charts for the self-contained HTML reports: no scripts, no fonts or styles
/// from the network. Every text is escaped.
package enum SVGChart {
    package static let width = 680.0
    package static let height = 260.0
    package static let left = 56.0
    package static let right = 16.0
    package static let top = 28.0
    package static let bottom = 44.0
    package static let palette = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2"]

    package struct Series {
        package var name: String
        package var points: [(x: Double, y: Double)]
        package var dashed = false

        package init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
        }
    }

    /// A "nice" upper bound ≥ `value` (1, 2, 2.5, 5 × 10ⁿ) and its tick step.
    package static func niceScale(_ value: Double) -> (max: Double, step: Double) {
        guard value > 0, value.isFinite else { return (1, 0.25) }
        let magnitude = pow(10, (log10(value)).rounded(.down))
        for m in [1.0, 2, 2.5, 5, 10] where m * magnitude >= value * 0.999_999 {
            let maxValue = m * magnitude
            return (maxValue, maxValue / 4)
        }
        return (10 * magnitude, 2.5 * magnitude)
    }

    package static func number(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 100 { return String(format: "%.0f", v) }
        if abs(v) >= 10 { return String(format: "%.1f", v) }
        return String(format: "%.3g", v)
    }

    private static func frame(title: String, xLabel: String, yLabel: String, yMax: Double, yStep: Double, percent: Bool) -> String {
        let plotHeight = height - top - bottom
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">\n"
        s += "<title>\(Markup.html(title))</title>\n"
        s += "<text x=\"\(left)\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(Markup.html(title))</text>\n"
        var tick = 0.0
        while tick <= yMax * 1.000_001 {
            let y = top + plotHeight * (1 - tick / yMax)
            s += "<line x1=\"\(left)\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#e5e7eb\"/>"
            let label = percent ? "\(Int((tick * 100).rounded()))%" : number(tick)
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" font-size=\"11\" text-anchor=\"end\">\(label)</text>\n"
            tick += yStep
        }
        s += "<line x1=\"\(left)\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(width - right))\" y2=\"\(f(top + plotHeight))\" stroke=\"#374151\"/>\n"
        s += "<text x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 6))\" font-size=\"11\" text-anchor=\"middle\">\(Markup.html(xLabel))</text>\n"
        s += "<text x=\"12\" y=\"\(f(top + plotHeight / 2))\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(f(top + plotHeight / 2)))\">\(Markup.html(yLabel))</text>\n"
        return s
    }

    package static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Vertical bars with optional CI whiskers and a horizontal reference line (a target).
    package static func bars(
        title: String, xLabel: String, yLabel: String, labels: [String], values: [Double], lows: [Double?] = [], highs: [Double?] = [],
        reference: (value: Double, label: String)? = nil, percent: Bool = false, fixedMax: Double? = nil
    ) -> String {
        let finite = (values + highs.compactMap { $0 } + [reference?.value ?? 0]).filter(\.isFinite)
        let (yMax, step) = fixedMax.map { ($0, $0 / 4) } ?? niceScale(finite.max() ?? 1)
        var s = frame(title: title, xLabel: xLabel, yLabel: yLabel, yMax: yMax, yStep: step, percent: percent)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let n = max(values.count, 1)
        let slot = plotWidth / Double(n)
        func y(_ v: Double) -> Double { top + plotHeight * (1 - min(max(v, 0), yMax) / yMax) }
        let labelEvery = max(1, Int((Double(n) / 12).rounded(.up)))
        for (i, value) in values.enumerated() {
            let x = left + slot * Double(i)
            if value.isFinite {
                s += "<rect x=\"\(f(x + slot * 0.15))\" y=\"\(f(y(value)))\" width=\"\(f(slot * 0.7))\" height=\"\(f(top + plotHeight - y(value)))\" fill=\"\(palette[0])\" opacity=\"0.8\"><title>\(Markup.html(labels[i])): \(percent ? Self.percentText(value) : number(value))</title></rect>"
            }
            if i < lows.count, i < highs.count, let lo = lows[i], let hi = highs[i], lo.isFinite, hi.isFinite {
                let cx = x + slot / 2
                s += "<line x1=\"\(f(cx))\" y1=\"\(f(y(lo)))\" x2=\"\(f(cx))\" y2=\"\(f(y(hi)))\" stroke=\"#111827\"/>"
                s += "<line x1=\"\(f(cx - 3))\" y1=\"\(f(y(lo)))\" x2=\"\(f(cx + 3))\" y2=\"\(f(y(lo)))\" stroke=\"#111827\"/>"
                s += "<line x1=\"\(f(cx - 3))\" y1=\"\(f(y(hi)))\" x2=\"\(f(cx + 3))\" y2=\"\(f(y(hi)))\" stroke=\"#111827\"/>"
            }
            if i % labelEvery == 0 {
                s += "<text x=\"\(f(x + slot / 2))\" y=\"\(f(top + plotHeight + 14))\" font-size=\"10\" text-anchor=\"middle\">\(Markup.html(labels[i]))</text>"
            }
            s += "\n"
        }
        if let reference, reference.value.isFinite {
            s += "<line x1=\"\(left)\" y1=\"\(f(y(reference.value)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(reference.value)))\" stroke=\"\(palette[1])\" stroke-dasharray=\"6 4\"/>"
            s += "<text x=\"\(f(width - right))\" y=\"\(f(y(reference.value) - 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"\(palette[1])\">\(Markup.html(reference.label))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// Lines (e.g. a CDF, simulated and analytic) with a legend and an optional vertical marker.
    package static func lines(
        title: String, xLabel: String, yLabel: String, series: [Series], xMax: Double, yMax: Double? = nil, percent: Bool = false,
        marker: (x: Double, label: String)? = nil
    ) -> String {
        let highest = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite).max() ?? 1
        let (top, step) = yMax.map { ($0, $0 / 4) } ?? niceScale(highest)
        var s = frame(title: title, xLabel: xLabel, yLabel: yLabel, yMax: top, yStep: step, percent: percent)
        let plotWidth = width - left - right
        let plotHeight = height - Self.top - bottom
        func px(_ x: Double) -> Double { left + plotWidth * min(max(x, 0), xMax) / xMax }
        func py(_ y: Double) -> Double { Self.top + plotHeight * (1 - min(max(y, 0), top) / top) }
        var tick = 0.0
        let (_, xStep) = niceScale(xMax)
        while tick <= xMax * 1.000_001 {
            s += "<text x=\"\(f(px(tick)))\" y=\"\(f(Self.top + plotHeight + 14))\" font-size=\"10\" text-anchor=\"middle\">\(number(tick))</text>"
            tick += xStep
        }
        s += "\n"
        for (i, line) in series.enumerated() where !line.points.isEmpty {
            let color = palette[i % palette.count]
            let path = line.points.filter { $0.y.isFinite }.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(line.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(path)\"/>\n"
            s += "<text x=\"\(f(width - right - 4))\" y=\"\(f(Self.top + 14 + 14 * Double(i)))\" font-size=\"11\" text-anchor=\"end\" fill=\"\(color)\">\(Markup.html(line.name))</text>\n"
        }
        if let marker {
            s += "<line x1=\"\(f(px(marker.x)))\" y1=\"\(Self.top)\" x2=\"\(f(px(marker.x)))\" y2=\"\(f(Self.top + plotHeight))\" stroke=\"#6b7280\" stroke-dasharray=\"3 3\"/>"
            s += "<text x=\"\(f(px(marker.x) + 4))\" y=\"\(f(Self.top + plotHeight - 6))\" font-size=\"11\" fill=\"#374151\">\(Markup.html(marker.label))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// A grid of coloured cells: rows × columns, each with a value in [0, 1] for the colour
    /// (red → green; `nil`: grey) and a short text.
    package static func heatMap(title: String, rowLabel: String, columnLabel: String, rows: [String], columns: [String], shades: [[Double?]], texts: [[String]]) -> String {
        let cell = 64.0
        let cellHeight = 30.0
        let marginLeft = 90.0
        let marginTop = 48.0
        let w = marginLeft + cell * Double(columns.count) + 10
        let h = marginTop + cellHeight * Double(rows.count) + 12
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\">\n"
        s += "<title>\(Markup.html(title))</title>\n"
        s += "<text x=\"4\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(Markup.html(title))</text>\n"
        s += "<text x=\"\(f(marginLeft))\" y=\"32\" font-size=\"11\">\(Markup.html(columnLabel)) →</text>\n"
        s += "<text x=\"4\" y=\"\(f(marginTop - 4))\" font-size=\"11\">\(Markup.html(rowLabel)) ↓</text>\n"
        for (c, label) in columns.enumerated() {
            s += "<text x=\"\(f(marginLeft + cell * (Double(c) + 0.5)))\" y=\"\(f(marginTop - 4))\" font-size=\"11\" text-anchor=\"middle\">\(Markup.html(label))</text>"
        }
        s += "\n"
        for (r, label) in rows.enumerated() {
            let y = marginTop + cellHeight * Double(r)
            s += "<text x=\"\(f(marginLeft - 6))\" y=\"\(f(y + cellHeight / 2 + 4))\" font-size=\"11\" text-anchor=\"end\">\(Markup.html(label))</text>"
            for c in columns.indices {
                let x = marginLeft + cell * Double(c)
                let shade = r < shades.count && c < shades[r].count ? shades[r][c] : nil
                let text = r < texts.count && c < texts[r].count ? texts[r][c] : ""
                s += "<rect x=\"\(f(x + 1))\" y=\"\(f(y + 1))\" width=\"\(f(cell - 2))\" height=\"\(f(cellHeight - 2))\" fill=\"\(color(shade))\"><title>\(Markup.html(label)), \(Markup.html(columns[c])): \(Markup.html(text))</title></rect>"
                s += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cellHeight / 2 + 4))\" font-size=\"10\" text-anchor=\"middle\">\(Markup.html(text))</text>"
            }
            s += "\n"
        }
        return s + "</svg>\n"
    }

    /// Red (0) → amber → green (1); grey for nil.
    package static func color(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "#e5e7eb" }
        let v = min(max(value, 0), 1)
        let (r, g, b): (Double, Double, Double) =
            v < 0.5
            ? (248, 113 + (191 - 113) * v * 2, 113 + (36 - 113) * v * 2)
            : (248 + (74 - 248) * (v - 0.5) * 2, 191 + (222 - 191) * (v - 0.5) * 2, 36 + (128 - 36) * (v - 0.5) * 2)
        return String(format: "#%02x%02x%02x", Int(r), Int(g), Int(b))
    }

    /// A share as a percentage with one decimal (`81.2%`) for tooltips; `–` when undefined.
    package static func percentText(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        return String(format: "%.1f%%", value * 100)
    }
}
