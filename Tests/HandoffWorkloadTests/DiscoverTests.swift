@testable import HandoffWorkload
import Foundation
import HandoffTestSupport
import Testing

@Suite struct DiscoverTests {
    @Test func expandsDirectoriesRecursivelySortedAndSkipsHiddenAndOtherFiles() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        for name in [
            "b.yaml", "a.yml", "02/z.yaml", "02-x.yaml", "01/nested/deep.yaml", "notes.txt", ".hidden.yaml", ".git/x.yaml",
            "01/.skip/y.yaml", "README.md",
        ] {
            try dir.write(name, "kind: profile\n")
        }
        let d = dir.path
        #expect(
            try InputDocument.discover([d + "/"]) == [
                "\(d)/01/nested/deep.yaml", "\(d)/02/z.yaml", "\(d)/02-x.yaml", "\(d)/a.yml", "\(d)/b.yaml",
            ])
    }

    @Test func keepsExplicitFilesInTheGivenOrderOnce() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let d = dir.path
        try dir.write("s/one.yaml", "kind: profile\n")
        try dir.write("s/two.yaml", "kind: profile\n")
        let odd = try dir.write("plan.conf", "kind: profile\n")
        #expect(try InputDocument.discover([odd, d + "/s/two.yaml", d + "/s"]) == [odd, "\(d)/s/two.yaml", "\(d)/s/one.yaml"])
    }

    @Test func missingPathsAreAllReported() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("s/one.yaml", "kind: profile\n")
        let d = dir.path
        #expect(
            throws: InputError(issues: [
                .init(location: .init(file: d + "/nope", line: 1, column: 1), path: "", message: "no such file or directory"),
                .init(location: .init(file: d + "/gone.yaml", line: 1, column: 1), path: "", message: "no such file or directory"),
            ])
        ) {
            try InputDocument.discover([d + "/nope", d + "/s", d + "/gone.yaml"])
        }
    }

    @Test func emptyDirectoryYieldsNothing() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        #expect(try InputDocument.discover([dir.path]) == [])
    }
}
