// The bare-framework baseline of scripts/bench-server: Hummingbird (the version the server
// uses) answering `GET /hello` with a short text, nothing else. Usage: bench-hello PORT
import Hummingbird

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8081
let router = Router()
router.get("hello") { _, _ in "Hello" }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
