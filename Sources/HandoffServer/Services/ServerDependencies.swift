import HandoffEngine
import Hummingbird

/// What every controller needs, built once by ``buildApplication(configuration:store:clock:logger:onListening:)``.
struct ServerDependencies: Sendable {
    let store: any HandoffStore
    let configuration: ServerConfiguration
    let tokens: TokenAuthority
    let metrics: ServerMetrics
    /// `nil` when the per-key limit is disabled.
    let keyLimiter: RateLimiter?
    /// `nil` when the per-address limit is disabled.
    let addressLimiter: RateLimiter?

    var maxBodyBytes: Int { configuration.maxBodyBytes }

    /// Who a widget request acts for: the API key's tenant (O(1) lookup in the store), after
    /// the referrer check, with whether the tenant admits the request's `Origin`; then charged
    /// to the key's rate limit. The one place widget keys are checked, wherever the key travels.
    /// The verdict is noted for the CORS headers (``WidgetCORS``) when `note` is given.
    ///
    /// - Throws: 401 "Invalid API key" for a missing, malformed, unknown or expired key; 403
    ///   "Domain not allowed" / "Tenant is suspended"; 429 when the key is over its rate.
    func widgetAccess(apiKey: String?, referrer: String?, request: Request, note: WidgetAccessNote?) async throws -> WidgetAccess {
        guard let apiKey, !apiKey.isEmpty else { throw HandoffError.invalidAPIKey }
        let access = try await store.widgetAccess(apiKey: apiKey, referrer: referrer, origin: request.headers[.origin])
        note?.record(access)
        if let keyLimiter, case .limited(let seconds) = keyLimiter.check("\(access.tenant)/\(APIKey.prefix(of: apiKey))") {
            metrics.recordRateLimited(.apiKey)
            throw APIError.tooManyRequests(retryAfterSeconds: seconds)
        }
        return access
    }
}
