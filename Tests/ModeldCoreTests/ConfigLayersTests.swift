import ModeldCore
import Testing

@Suite struct ConfigLayersTests {
    let base = """
        [daemon]
        log_level = "info"

        [downloads]
        max_retries = 5

        [[model]]
        id = "ti2v-5B"
        repo = "Wan-AI/Wan2.2-TI2V-5B"
        tasks = ["t2v", "i2v", "ti2v"]
        min_vram_gb = 24
        """

    func decode(_ texts: String..., environment: [String: String] = [:]) throws(ConfigError) -> ModeldConfig {
        let layers = texts.enumerated().map { ConfigLayers.Layer(name: "file\($0.offset).toml", text: $0.element) }
        return try ConfigLayers.decode(layers, over: .defaults(environment: environment))
    }

    func error(_ texts: String...) -> ConfigError? {
        let layers = texts.enumerated().map { ConfigLayers.Layer(name: "file\($0.offset).toml", text: $0.element) }
        do {
            _ = try ConfigLayers.decode(layers, over: ModeldConfig())
            return nil
        } catch {
            return error
        }
    }

    @Test func unsetKeysKeepTheContractDefaults() throws {
        let config = try decode(base)
        #expect(config.downloads.maxRetries == 5)
        #expect(config.downloads.connectionsPerFile == 4)
        #expect(config.verify.chunkSize == ByteSize(16 << 20))
        #expect(config.disk.reserve == ByteSize(5 << 30))
        #expect(config.daemon.socket == "/run/modeld/modeld.sock")
        #expect(config.daemon.socketMode.bits == 0o660)
        #expect(config.models.map(\.id) == ["ti2v-5B"])
        #expect(config.models[0].revision == "main")
        #expect(config.models[0].autoDownload == false)
    }

    @Test func whoMayConnectAndWhoMayAdministerAreTwoGroups() throws {
        let defaults = try decode(base).daemon
        #expect(defaults.socketGroup == "modeld")
        #expect(defaults.adminGroup == "modeld-admin")
        #expect(defaults.idleTimeout == .seconds(600))
        #expect(defaults.maxConnections == 1024)
        let set = try decode(base, """
            [daemon]
            socket_group = "gpu-users"
            admin_group = "wheel"
            idle_timeout = "90s"
            max_connections = 50
            """).daemon
        #expect(set.socketGroup == "gpu-users" && set.adminGroup == "wheel")
        #expect(set.idleTimeout == .seconds(90))
        #expect(set.maxConnections == 50)
        #expect(try #require(error("[daemon]\nsocket_group = \"\"\n")).message == "must not be empty")
        #expect(try #require(error("[daemon]\nidle_timeout = \"a while\"\n")).message.contains("\"5m\""))
        #expect(try #require(error("[daemon]\nmax_connections = 0\n")).message == "must be from 1 to 65536, got 0")
    }

    @Test func aDropInOverridesSingleKeysAndAddsModels() throws {
        let dropIn = """
            [downloads]
            bytes_per_s = "20MB"

            [[model]]
            id = "ti2v-5B"
            auto_download = true

            [[model]]
            id = "extra"
            repo = "org/extra"
            """
        let config = try decode(base, dropIn)
        #expect(config.downloads.maxRetries == 5, "a key the drop-in does not set keeps the file's value")
        #expect(config.downloads.bytesPerSecond == ByteSize(20_000_000))
        #expect(config.models.map(\.id) == ["ti2v-5B", "extra"])
        #expect(config.models[0].autoDownload == true)
        #expect(config.models[0].minVRAMGB == 24, "the rest of the model stays as the main file set it")
        #expect(config.models[0].repo == "Wan-AI/Wan2.2-TI2V-5B")
    }

    @Test func systemdDirectoriesMoveThePathDefaultsButFilesWin() throws {
        let environment = ["STATE_DIRECTORY": "/var/lib/modeld", "RUNTIME_DIRECTORY": "/run/modeld:/run/other"]
        let config = try decode("", environment: environment)
        #expect(config.daemon.storeDir == "/var/lib/modeld/hub")
        #expect(config.daemon.linksDir == "/var/lib/modeld/models")
        #expect(config.daemon.socket == "/run/modeld/modeld.sock")
        let overridden = try decode("[daemon]\nstore_dir = \"/data/hub\"", environment: environment)
        #expect(overridden.daemon.storeDir == "/data/hub")
    }

    @Test func theEnvironmentWinsOverFiles() throws {
        let config = try decode("[hub]\nendpoint = \"https://mirror.example\"")
            .overridden(byEnvironment: ["HF_ENDPOINT": "http://127.0.0.1:9/", "HF_HUB_OFFLINE": "1", "MODELD_SOCKET": "/tmp/s"])
        #expect(config.hub.endpoint == "http://127.0.0.1:9")
        #expect(config.hub.offline)
        #expect(config.daemon.socket == "/tmp/s")
        #expect(throws: ConfigError.self) { try ModeldConfig().overridden(byEnvironment: ["HF_ENDPOINT": "ftp://x"]) }
    }

    @Test func aSyntaxErrorNamesFileLineAndColumn() throws {
        let found = try #require(error(base, "[downloads]\nmax_retries = = 3\n"))
        #expect(found.file == "file1.toml")
        #expect(found.line == 2)
        #expect(found.column != nil)
        #expect(found.message.contains("not valid TOML"))
    }

    @Test func anUnknownKeyIsNamedWithItsLine() throws {
        let found = try #require(error("[downloads]\nmax_retries = 3\nmax_retry = 4\n"))
        #expect(found.key == "downloads.max_retry")
        #expect(found.line == 3)
        #expect(found.message.contains("unknown key"))
    }

    @Test func aValueOfTheWrongTypeSaysWhatIsExpected() throws {
        let found = try #require(error("\n[downloads]\n\nmax_retries = \"three\"\n"))
        #expect(found.key == "downloads.max_retries")
        #expect(found.line == 4)
        #expect(found.message == "expected a whole number")
        #expect(found.description == "file0.toml:4: downloads.max_retries: expected a whole number")
    }

    @Test func aValueOutOfRangeSaysWhatIsAllowed() throws {
        let found = try #require(error("[downloads]\nmax_retries = 500\n"))
        #expect(found.message == "must be from 0 to 100, got 500")
    }

    @Test func aWrongWordListsTheAllowedOnes() throws {
        let found = try #require(error("[verify]\non_start = \"quick\"\n"))
        #expect(found.key == "verify.on_start")
        #expect(found.line == 2)
        #expect(found.message.contains(#""stat", "full""#))
    }

    @Test func badSizesAndDurationsAreExplained() throws {
        #expect(try #require(error("[verify]\nchunk_size = \"big\"\n")).message.contains("16MiB"))
        #expect(try #require(error("[updates]\ncheck_every = \"often\"\n")).message.contains("12h"))
        #expect(try #require(error("[updates]\ncheck_every = \"0s\"\n")).key == "updates.check_every")
        #expect(try #require(error("[updates]\nwindow = \"2-5\"\n")).message.contains("02:00-05:00"))
        #expect(try #require(error("[daemon]\nsocket_mode = \"rw\"\n")).message.contains("octal"))
    }

    @Test func aNewModelNeedsARepoAndTheErrorPointsAtItsTable() throws {
        let found = try #require(error("[[model]]\nid = \"a\"\nrepo = \"o/a\"\n\n[[model]]\nid = \"b\"\n"))
        #expect(found.key == "model[1].repo")
        #expect(found.line == 5)
        #expect(found.message.contains("required"))
    }

    @Test func modelIdsAndReposAreChecked() throws {
        #expect(try #require(error("[[model]]\nid = \"../x\"\nrepo = \"o/a\"\n")).key == "model[0].id")
        #expect(try #require(error("[[model]]\nid = \"a\"\nrepo = \"no-slash\"\n")).key == "model[0].repo")
        #expect(try #require(error("[[model]]\nid = \"a\"\nrepo = \"o/a\"\n[[model]]\nid = \"a\"\nrepo = \"o/b\"\n")).message
            .contains("twice"))
        #expect(try #require(error("[[model]]\nid = \"a\"\nrepo = \"o/a\"\nquality = 2.0\n")).key == "model[0].quality")
    }

    @Test func aPinnedCommitIsRecognised() throws {
        let config = try decode("[[model]]\nid = \"a\"\nrepo = \"o/a\"\nrevision = \"921dbaf3f1674a56f47e83fb80a34bac8a8f203e\"\n")
        #expect(config.models[0].pinsCommit)
        #expect(try decode(base).models[0].pinsCommit == false)
    }

    @Test func theEffectiveTextDecodesBackToTheSameConfig() throws {
        let config = try decode(base)
        let text = try config.effectiveText(readFrom: "test")
        #expect(try decode(text) == config)
        #expect(!text.contains("token ="))
    }

    @Test func configDiffNamesChangedKeysByModelId() throws {
        let old = try decode(base)
        var new = old
        new.downloads.bytesPerSecond = ByteSize(1000)
        new.models[0].keep = true
        #expect(ConfigDiff.changedKeys(from: old, to: new) == ["downloads.bytes_per_s", "model.ti2v-5B.keep"])
        #expect(ConfigDiff.changedKeys(from: old, to: old).isEmpty)
    }
}
