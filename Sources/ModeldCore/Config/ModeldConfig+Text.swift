import TOMLKit

extension ModeldConfig {
    /// What `modeld --check-config` prints: the effective configuration as TOML (after
    /// defaults, drop-ins, environment and flags), the token shown only as "set".
    public func effectiveText(readFrom sources: String) throws -> String {
        let toml = try TOMLEncoder().encode(self).convert(to: .toml)
        return """
            # modeld: the configuration is valid.
            # read from \(sources)
            # hub token: \(token.map(\.description) ?? "not set")
            \(toml)
            """
    }
}
