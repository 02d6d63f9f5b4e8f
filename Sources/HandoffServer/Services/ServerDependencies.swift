import HandoffEngine

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

    /// The tenant a widget request acts for: the API key's (O(1) lookup in the store), after
    /// the referrer check, then charged to the key's rate limit.
    ///
    /// - Throws: 401 "Invalid API key" for a missing, malformed, unknown or expired key; 403
    ///   "Domain not allowed" / "Tenant is suspended"; 429 when the key is over its rate.
    func widgetTenant(apiKey: String?, referrer: String?) async throws -> TenantID {
        guard let apiKey, !apiKey.isEmpty else { throw HandoffError.invalidAPIKey }
        let tenant = try await store.authenticateWidget(apiKey: apiKey, referrer: referrer)
        if let keyLimiter, case .limited(let seconds) = keyLimiter.check("\(tenant)/\(APIKey.prefix(of: apiKey))") {
            metrics.recordRateLimited(.apiKey)
            throw APIError.tooManyRequests(retryAfterSeconds: seconds)
        }
        return tenant
    }
}
