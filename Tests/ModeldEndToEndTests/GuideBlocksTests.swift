import ModeldTestSupport
import Testing

/// How `GuideTests` reads a guide: which blocks run, where each command starts and ends,
/// what it must exit with, and how loosely its shown output is compared.
@Suite(.timeLimit(.minutes(10))) struct GuideBlocksTests {
    static let guide = """
        # A guide

        ```sh
        sudo make install
        ```

        ```console
        $ modelctl status
        MODEL  STATE
        demo-mini  missing  8.5 MiB

        $ modelctl acquire demo-big   # nothing is ready (exit 1)
        demo-big is not ready: mock_generation
        $ echo '{"cmd":"report"}' \\
          | socat - UNIX-CONNECT:$MODELD_SOCKET
        ```

        ```python client.py
        import socket
        ```

        ```python
        print("only read")
        ```
        """

    @Test func consoleBlocksHoldTheCommandsAndTheirShownOutput() {
        let (commands, _) = GuideBlocks.parse(Self.guide)
        #expect(commands.map(\.line) == [8, 12, 14])
        #expect(commands[0] == .init(line: 8, text: "modelctl status", shown: ["MODEL  STATE", "demo-mini  missing  8.5 MiB", ""]))
        #expect(commands[1].expectedStatus == 1 && commands[1].shown == ["demo-big is not ready: mock_generation"])
        #expect(commands[2].text == "echo '{\"cmd\":\"report\"}' \\\n  | socat - UNIX-CONNECT:$MODELD_SOCKET")
        #expect(commands[2].shown.isEmpty && commands[2].expectedStatus == 0)
    }

    @Test func aBlockNamingAFileIsWrittenAndOtherBlocksAreOnlyRead() {
        let (commands, files) = GuideBlocks.parse(Self.guide)
        #expect(files == [.init(name: "client.py", text: "import socket\n")])
        #expect(!commands.contains { $0.text.contains("make install") || $0.text.contains("only read") })
    }

    @Test func anExitMarkerOnlyCountsAtTheEndOfTheCommand() {
        let (commands, _) = GuideBlocks.parse("""
            ```console
            $ false \\
              # not here (exit 3) \\
              || false   # but here (exit 2)
            $ echo '(exit 4) is no marker'
            ```
            """)
        #expect(commands.map(\.expectedStatus) == [2, 0])
    }

    @Test func shownLinesAreFoundInOrderWithSpacesAndEllipsesLoose() {
        let output = "MODEL       STATE\ndemo-mini   available  8.5 MiB  /tmp/x/.run/demo/models/demo-mini\nstore: /tmp/x/.run/demo/hub\n"
        #expect(GuideBlocks.unmatched(["MODEL STATE", "…/.run/demo/hub"], in: output) == nil)
        #expect(GuideBlocks.unmatched(["store: …/hub"], in: output) == nil)
        #expect(GuideBlocks.unmatched(["…/.run/demo/hub", "MODEL STATE"], in: output) == "MODEL STATE", "in order")
        #expect(GuideBlocks.unmatched(["MODEL"], in: output) == "MODEL", "a whole line, not a part of one")
        #expect(GuideBlocks.unmatched(["store: …/models"], in: output) == "store: …/models")
    }

    @Test func shownLinesWithDigitsAreNotChecked() {
        #expect(GuideBlocks.unmatched(["demo-mini  available  9.9 GiB", "…", ""], in: "something else") == nil)
        #expect(GuideBlocks.unmatched(["demo-mini is available"], in: "") == "demo-mini is available")
    }
}
