import ModeldCore
import ModeldProtocol
import Testing

@testable import modelctl

/// What `modelctl doctor` prints, and where it looks for the units.
@Suite struct DoctorTextTests {
    @Test func eachCheckIsOneLineWithTheFixUnderWarningsAndFailures() {
        let text = DoctorText.describe(DoctorResult(checks: [
            DoctorCheck("daemon", .ok, "modeld 0.1.0 answers", fix: "never shown for ok"),
            DoctorCheck("store_writable", .fail, "the daemon cannot write in /s", fix: "chown -R modeld: /s"),
            DoctorCheck("gpu", .warn, "no GPU seen", fix: "run nvidia-smi"),
        ]))
        #expect(text == """
            ok    daemon          modeld 0.1.0 answers
            fail  store_writable  the daemon cannot write in /s
                                  fix: chown -R modeld: /s
            warn  gpu             no GPU seen
                                  fix: run nvidia-smi
            1 failed, 1 warning of 3 checks
            """)
        #expect(DoctorResult(checks: [DoctorCheck("gpu", .warn, "x")]).status == .warn)
    }

    @Test func theUnitFoldersFollowSystemdUnitPathAsSystemdReadsIt() {
        #expect(UnitFiles.folders([:]) == UnitFiles.systemFolders)
        #expect(UnitFiles.folders(["SYSTEMD_UNIT_PATH": "/a:/b"]) == ["/a", "/b"])
        #expect(UnitFiles.folders(["SYSTEMD_UNIT_PATH": "/a:"]) == ["/a"] + UnitFiles.systemFolders, "a trailing colon adds the usual folders")
    }
}
