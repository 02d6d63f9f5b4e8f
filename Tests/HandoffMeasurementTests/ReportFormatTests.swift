@testable import HandoffMeasurement
import Testing

@Suite("ReportFormat")
struct ReportFormatTests {
    @Test func parsesTheFullList() throws {
        #expect(try ReportFormat.parseList("json,csv,junit,html") == Set(ReportFormat.allCases))
    }

    @Test func trimsIgnoresCaseAndEmptyEntries() throws {
        #expect(try ReportFormat.parseList(" JSON , html,,html,") == [.json, .html])
        #expect(try ReportFormat.parseList("junit") == [.junit])
    }

    @Test func unknownFormatNamesTheValidOnes() {
        #expect(throws: ReportError.unknownFormat("xml")) { try ReportFormat.parseList("json,xml,yaml") }
        let description = ReportError.unknownFormat("xml").description
        #expect(description.contains("'xml'"))
        #expect(description.contains("json, csv, junit, html"))
    }

    @Test func emptyListIsAnError() {
        #expect(throws: ReportError.emptyFormatList) { try ReportFormat.parseList("") }
        #expect(throws: ReportError.emptyFormatList) { try ReportFormat.parseList(" , ") }
    }
}
