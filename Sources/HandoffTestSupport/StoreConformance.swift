import HandoffEngine

/// The store conformance suite: every ``HandoffStore`` must pass it (filled in below).
public enum StoreConformance {}
