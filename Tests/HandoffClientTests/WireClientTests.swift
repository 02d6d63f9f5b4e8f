import Foundation
import HandoffAPI
import HandoffClient
import Testing

@Suite("HandoffClient: target URLs, error bodies, unreachable servers")
struct WireClientTests {
    @Test func badTargetURLsAreRefused() throws {
        for url in ["localhost:8080", "ftp://host", "http://", "http://h:8080/?x=1", "http://u:p@h/", "http://h:70000"] {
            #expect(throws: LiveTargetError.self, "\(url)") { _ = try LiveTarget.validate(url) }
        }
        #expect(try LiveTarget.validate("http://127.0.0.1:8080/").http == "http://127.0.0.1:8080")
        #expect(try LiveTarget.validate("https://h.example/prefix").webSocket == "wss://h.example/prefix")
        #expect(try LiveTarget.validate("http://[::1]:9/").http == "http://[::1]:9")
    }

    @Test func theContractsErrorBodyBecomesTheClientsText() {
        let body = Data(#"{"error":"Handoff is not available"}"#.utf8)
        let failure = WireClient.failure(status: 400, data: body, request: "POST /x")
        #expect(failure == RequestFailure("Handoff is not available", status: 400))
        #expect(!failure.isTransport)
        let html = WireClient.failure(status: 502, data: Data("<html>bad gateway</html>".utf8), request: "GET /y")
        #expect(html.isTransport)
        #expect(html.text.contains("GET /y answered 502 without the contract's error body"), "\(html.text)")
    }

    /// A server without a WhatsApp channel may leave the two keys out of the init answer; the
    /// reference widget reads that as "unavailable", and so does the decoder.
    @Test func initAnswersWithoutWhatsAppKeysDecodeAsUnavailable() throws {
        let bare = ##"{"tenantId":"t","greeting":"Hi","primaryColor":"#000","textColor":"#fff","borderRadius":"8px","position":"bottom-right"}"##
        let decoded = try JSONDecoder().decode(WidgetInitResponse.self, from: Data(bare.utf8))
        #expect(decoded.whatsappAvailable == false && decoded.whatsappPhoneNumber == nil)
        let full = ##"{"tenantId":"t","greeting":"Hi","primaryColor":"#000","textColor":"#fff","borderRadius":"8px","position":"bottom-right","whatsappAvailable":true,"whatsappPhoneNumber":"+15550100"}"##
        let withPhone = try JSONDecoder().decode(WidgetInitResponse.self, from: Data(full.utf8))
        #expect(withPhone.whatsappAvailable && withPhone.whatsappPhoneNumber == "+15550100")
        #expect(try JSONDecoder().decode(WidgetInitResponse.self, from: JSONEncoder().encode(withPhone)) == withPhone)
    }

    @Test func queryValuesArePercentEncoded() {
        #expect(WireClient.encode("a&b=c+d e") == "a%26b%3Dc%2Bd%20e")
    }

    /// Port 9 (discard) on loopback has no listener here: the call and the socket both fail
    /// promptly with a transport failure that names the cause, never a hang.
    @Test func anUnreachableServerIsATransportFailure() async throws {
        let configuration = LiveTarget.Configuration(requestTimeout: .seconds(3), connectTimeout: .seconds(2), socketOpenTimeout: .seconds(2))
        try await LiveTarget.withTarget("http://127.0.0.1:9", configuration: configuration) { target in
            do throws(RequestFailure) {
                try await target.probe()
                Issue.record("probe succeeded against a closed port")
            } catch {
                #expect(error.isTransport)
                #expect(error.text.contains("cannot reach a server at http://127.0.0.1:9"), "\(error.text)")
            }
            do throws(RequestFailure) {
                let socket = try await SocketChannel.open(
                    url: target.webSocketBaseURL + APIPath.agentSocket, authToken: nil, timeout: .seconds(2),
                    logger: configuration.logger) { _ in }
                await socket.close()
                Issue.record("a socket opened against a closed port")
            } catch {
                #expect(error.isTransport)
            }
        }
    }
}
