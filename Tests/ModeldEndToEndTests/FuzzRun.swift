import Foundation
import ModeldProtocol
import ModeldTestSupport

/// Sends generated lines to a running daemon, many per connection and pipelined, and
/// checks each answer against what its line expects. Problems are collected, not
/// thrown, so one run reports all it found.
struct FuzzRun {
    let socketPath: String
    var problems: [String] = []
    var answers = 0
    var connections = 0
    /// Answers by error code (`ok` for successes): shows what the run reached.
    var outcomes: [String: Int] = [:]

    init(socketPath: String) { self.socketPath = socketPath }

    /// The lines cut into connections of up to `longest` lines; a line after which
    /// nothing is answered ends its connection.
    static func batches(_ lines: [FuzzLine], random: inout SplitMix64, longest: Int = 64) -> [ArraySlice<FuzzLine>] {
        var result: [ArraySlice<FuzzLine>] = []
        var start = 0
        while start < lines.count {
            var end = min(lines.count, start + Int.random(in: 1...longest, using: &random))
            if let last = lines[start..<end].firstIndex(where: \.endsConnection) { end = last + 1 }
            result.append(lines[start..<end])
            start = end
        }
        return result
    }

    /// One connection: every line sent at once, then the answers read in order.
    mutating func send(_ batch: ArraySlice<FuzzLine>) throws {
        connections += 1
        let connection = try PipelinedConnection(path: socketPath, timeout: .seconds(15))
        connection.send(batch.flatMap { $0.bytes + [0x0A] })
        for (index, line) in zip(batch.indices, batch) where line.answer != .none {
            let answer: [UInt8]?
            do {
                answer = try connection.readLine()
            } catch {
                problems.append("line \(index) \(line.preview): \(error)")
                return
            }
            if let problem = check(answer, for: line) {
                problems.append("line \(index) \(line.preview): \(problem)")
                // The order of what follows is lost with it.
                return
            }
            answers += 1
            if line.answer == .tooLarge, let more = try? connection.readLine() {
                problems.append("line \(index): the connection stays open after too_large: \(String(decoding: more.prefix(200), as: UTF8.self))")
            }
        }
    }

    /// What is wrong with `answer` to `line`, or nil.
    mutating func check(_ answer: [UInt8]?, for line: FuzzLine) -> String? {
        guard let answer else { return "no answer: the connection closed" }
        guard let response = try? WireCodec.decoder.decode(Response.self, from: Data(answer)) else {
            return "the answer is not a response envelope: \(String(decoding: answer.prefix(300), as: UTF8.self))"
        }
        outcomes[response.error?.code.rawValue ?? "ok", default: 0] += 1
        if response.ok {
            guard response.result != nil, response.error == nil else { return "ok without a result" }
        } else {
            guard let error = response.error, !error.message.isEmpty else { return "a failure without an error message" }
            // What a client sends is its own mistake, never the daemon's failure.
            guard error.code != .internal else { return "internal: \(error.message)" }
        }
        switch line.answer {
        case .none: return "an answer to a blank line"
        case .tooLarge: return response.error?.code == .tooLarge ? nil : "\(response.error?.code.rawValue ?? "ok") instead of too_large"
        case .one(.echoed(let id)): return response.id == id ? nil : "id \(String(describing: response.id)) instead of \(id)"
        case .one(.absent): return response.id == nil ? nil : "an id \(String(describing: response.id)) the line did not carry"
        case .one(.unchecked): return nil
        }
    }
}
