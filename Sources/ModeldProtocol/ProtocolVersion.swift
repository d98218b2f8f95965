/// The versions a client and the daemon tell each other.
public enum ProtocolVersion {
    /// PROTOCOL.md's version; it changes only when something written there changes.
    public static let wire = 1
    /// The release of modeld and modelctl.
    public static let release = "0.1.0"
}
