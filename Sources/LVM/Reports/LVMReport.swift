import Foundation

/// A row type of an LVM JSON report: which section it is read from and which
/// fields (`-o`) the report command must ask for.
protocol LVMReportRow: Decodable, Sendable {
    /// The key of the row list in the report: "lv", "vg" or "pv".
    static var reportSection: String { get }
    static var reportFields: [String] { get }
}

/// Reads `--reportformat json` output.
///
/// Through liblvm2cmd a report does not arrive as one document: libdm's report
/// writer logs it line by line, each a separate call of the log function at
/// print level, with errors for the same command logged between them (`lvs
/// vg/missing` logs "Failed to find logical volume" after `"report": [`). The
/// report is the lines that came from libdm-report.c, joined again.
enum LVMReport {
    static func rows<Row: LVMReportRow>(_: Row.Type, from output: LVMOutput) throws(LVMError) -> [Row] {
        let lines = output.reportLines.isEmpty ? output.printed : output.reportLines
        return try rows(Row.self, json: lines.joined(separator: "\n"), command: output.commandLine.command)
    }

    static func rows<Row: LVMReportRow>(_: Row.Type, json: String, command: LVMCommand) throws(LVMError) -> [Row] {
        do {
            return try JSONDecoder().decode(Envelope<Row>.self, from: Data(json.utf8)).rows
        } catch let error as DecodingError {
            throw LVMError.malformedReport(command: command, reason: describe(error))
        } catch {
            throw LVMError.malformedReport(command: command, reason: "\(error)")
        }
    }

    /// `{"report": [{"lv": [ROW, …]}, …]}`. Other sections (a "log" section
    /// when lvm.conf turns on report/command_log) are skipped.
    private struct Envelope<Row: LVMReportRow>: Decodable {
        let rows: [Row]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: ReportKey.self)
            var sections = try container.nestedUnkeyedContainer(forKey: ReportKey("report"))
            var rows: [Row] = []
            while !sections.isAtEnd {
                let section = try sections.nestedContainer(keyedBy: ReportKey.self)
                rows += try section.decodeIfPresent([Row].self, forKey: ReportKey(Row.reportSection)) ?? []
            }
            self.rows = rows
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : keys.joined(separator: ".") + ": "
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context))no field \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return path(context) + context.debugDescription
        @unknown default: return "\(error)"
        }
    }
}

/// Any JSON key, by name.
struct ReportKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where Key == ReportKey {
    func text(_ field: String) throws -> String {
        try decode(String.self, forKey: ReportKey(field))
    }

    /// A text field LVM leaves empty when it does not apply (`origin`, `pool_lv`).
    func optionalText(_ field: String) throws -> String? {
        let value = try text(field)
        return value.isEmpty ? nil : value
    }

    /// A number. `--reportformat json` quotes every value; json_std does not.
    /// Sizes are bytes only with `--units b --nosuffix`.
    func number<N: FixedWidthInteger & Decodable>(_ field: String, as: N.Type = N.self) throws -> N {
        guard let value = try optionalNumber(field, as: N.self) else {
            throw DecodingError.dataCorruptedError(forKey: ReportKey(field), in: self, debugDescription: "empty where a number was expected")
        }
        return value
    }

    /// A number LVM leaves empty when it does not apply (`thin_id` of a non-thin LV).
    func optionalNumber<N: FixedWidthInteger & Decodable>(_ field: String, as: N.Type = N.self) throws -> N? {
        let key = ReportKey(field)
        if let value = try? decode(N.self, forKey: key) { return value }
        let text = try decode(String.self, forKey: key)
        if text.isEmpty { return nil }
        guard let value = N(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(text.debugDescription) is not a whole number")
        }
        return value
    }

    /// A decimal LVM prints as text ("6.88", "-1"); nil when empty or absent.
    func optionalDecimal(_ field: String) throws -> Double? {
        let key = ReportKey(field)
        guard contains(key) else { return nil }
        if let value = try? decode(Double.self, forKey: key) { return value }
        let text = try decode(String.self, forKey: key)
        if text.isEmpty { return nil }
        guard let value = Double(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(text.debugDescription) is not a number")
        }
        return value
    }

    /// A comma-separated list (`lv_tags`, `lv_layout`); empty text is an empty list.
    func list(_ field: String) throws -> [String] {
        try text(field).split(separator: ",").map(String.init)
    }
}
