import Foundation
import HTTPTypes
import HandoffAPI
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HandoffServer

/// `serve --public DIR` (``ServerConfiguration/publicDirectory``): the files of DIR at the root,
/// over a real listening server — a widget script that takes its API base from its own URL
/// must be served by the chat server.
@Suite struct PublicFilesTests {
    /// A fresh public directory: a widget script, a test page, a file in a subfolder, and a
    /// file under `api/` that must never shadow the API.
    static func directory() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-public-\(UUID().uuidString)").path
        for (name, text) in [
            ("widget.js", "console.log('widget');\n"), ("index.html", "<!doctype html><title>t</title>\n"),
            ("docs/page.html", "<p>page</p>\n"), ("api/widget/init", "{\"shadow\":true}\n"),
        ] {
            let path = root + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func filesAreServedWithTheirTypesAndScriptsForAnyOrigin() async throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let world = try await World()
        try await world.app { $0.publicDirectory = root }.test(.live) { client in
            let script = try await client.send(.get, "/widget.js")
            #expect(script.status == .ok)
            #expect(script.text == "console.log('widget');\n")
            #expect(script.headers[.contentType]?.contains("javascript") == true, "\(script.headers)")
            #expect(script.headers[.accessControlAllowOrigin] == "*")
            let head = try await client.execute(uri: "/widget.js", method: .head, headers: [:], body: nil)
            #expect(head.status == .ok && head.body.readableBytes == 0)

            let page = try await client.send(.get, "/docs/page.html")
            #expect(page.status == .ok && page.text == "<p>page</p>\n")
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true, "\(page.headers)")
            #expect(page.headers[.accessControlAllowOrigin] == nil, "only scripts are for any origin")

            // The API is never shadowed by a file, and still answers as the API.
            let initAnswer = try await client.send(.post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.acmeKey))
            #expect(initAnswer.status == .ok && !initAnswer.text.contains("shadow"))
            expectError(try await client.send(.get, APIPath.widgetInit), .notFound, "Not found")
        }
    }

    @Test func nothingOutsideTheDirectoryNoListingsNoOtherMethods() async throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let world = try await World()
        try await world.app { $0.publicDirectory = root + "/docs" }.test(.live) { client in
            // The parent's files are out of reach, plainly or percent-encoded.
            for path in ["/../widget.js", "/%2e%2e/widget.js", "/..%2fwidget.js"] {
                let response = try await client.send(.get, path)
                #expect(response.status != .ok, "\(path) answered \(response.status): \(response.text)")
                #expect(!response.text.contains("console.log"), "\(path) leaked the parent's file")
            }
            expectError(try await client.send(.get, "/missing.js"), .notFound, "Not found")
            // A folder is not listed, and there is no index page search.
            let folder = try await client.send(.get, "/")
            #expect(folder.status == .notFound, "\(folder.status): \(folder.text)")
            #expect(!folder.text.contains("page.html"))
            // Only GET and HEAD.
            expectError(try await client.send(.post, "/page.html", raw: "{}"), .notFound, "Not found")
        }
    }

    @Test func withoutTheOptionNothingIsServed() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            expectError(try await client.send(.get, "/widget.js"), .notFound, "Not found")
        }
    }

    @Test func aMissingOrPlainFileDirectoryIsRefusedAtStart() throws {
        let root = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (directory, problem) in [(root + "/nope", "does not exist"), (root + "/widget.js", "is not a directory")] {
            var configuration = ServerConfiguration(jwtSecret: Fixture.secret)
            configuration.publicDirectory = directory
            #expect {
                try configuration.validate()
            } throws: { error in
                (error as? ServerConfigurationError)?.problems == ["publicDirectory '\(directory)' \(problem)"]
            }
        }
    }
}
