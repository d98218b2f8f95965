import Foundation

/// Shows what `DownloadFollower` makes of the events: on a terminal, one bar line redrawn
/// in place (at most four times a second) with other lines printed above it; in a pipe, a
/// plain progress line at most every five seconds. Writes unbuffered, like `watch`.
final class ProgressDisplay {
    enum Mode {
        case terminal
        case plain
    }

    static let redrawInterval: Duration = .milliseconds(250)
    static let plainInterval: Duration = .seconds(5)

    let mode: Mode
    /// stdout, or stderr when stdout carries the result (`acquire` prints a path).
    let output: Int32
    private let clock = ContinuousClock()
    private var latest: DownloadProgress?
    private var lastShown: ContinuousClock.Instant?
    /// A bar is on the terminal's current line, without a newline after it.
    private var barOnScreen = false

    init(mode: Mode, output: Int32 = STDOUT_FILENO) {
        self.mode = mode
        self.output = output
    }

    func show(_ step: DownloadFollower.Step) {
        if !step.lines.isEmpty {
            clearBar()
            for line in step.lines { write(line + "\n") }
            if mode == .terminal, latest != nil { drawBar() }
        }
        if let progress = step.progress {
            latest = progress
            let interval = mode == .terminal ? Self.redrawInterval : Self.plainInterval
            if let lastShown, clock.now - lastShown < interval { return }
            switch mode {
            case .terminal: drawBar()
            case .plain: write(ProgressText.line(progress, barWidth: nil) + "\n")
            }
            lastShown = clock.now
        }
    }

    /// Leaves the terminal on a fresh line; on success the bar is drawn full first.
    func finish(complete: Bool) {
        guard mode == .terminal, var progress = latest, barOnScreen else { return }
        if complete {
            progress.bytesDone = max(progress.bytesDone, progress.bytesTotal)
            progress.etaSeconds = 0
            latest = progress
            drawBar()
        }
        write("\n")
        barOnScreen = false
    }

    private func drawBar() {
        guard let latest else { return }
        write("\r" + ProgressText.fitted(latest, columns: Self.terminalColumns(output)) + "\u{1B}[K")
        barOnScreen = true
    }

    private func clearBar() {
        guard barOnScreen else { return }
        write("\r\u{1B}[K")
        barOnScreen = false
    }

    private func write(_ text: String) {
        FileHandle(fileDescriptor: output, closeOnDealloc: false).write(Data(text.utf8))
    }

    /// The width of the terminal on `fd`, nil when it does not say.
    private static func terminalColumns(_ fd: Int32) -> Int? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// On a terminal, Ctrl-C ends the bar's line and says that modeld carries on: only
    /// modelctl stops. The message is built before the handler can run, which only writes.
    static func explainInterrupts() {
        _ = interruptMessage.count
        signal(SIGINT) { _ in
            interruptMessage.withUnsafeBytes { _ = Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
            _exit(130)
        }
    }
}

private let interruptMessage = Array(
    "\nmodelctl: stopped following; modeld carries on (`modelctl status` shows it, `modelctl pause MODEL` pauses it)\n".utf8)
