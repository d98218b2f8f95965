import Foundation
import ModeldProtocol
import Testing

@Suite struct UsageFiguresTests {
    func request(_ fields: [String: JSONValue]) throws -> Request {
        try Request.parse(try WireCodec.encoder.encode(fields.merging(["cmd": .string("report")]) { $1 }))
    }

    func extra(_ fields: [String: JSONValue]) throws -> [String: JSONValue] {
        try UsageFigures.extra(in: try request(fields), besides: ReportArguments.fixedFields)
    }

    func refusal(_ fields: [String: JSONValue]) throws -> ProtocolError? {
        let parsed = try request(fields)
        do {
            _ = try UsageFigures.extra(in: parsed, besides: ReportArguments.fixedFields)
            return nil
        } catch {
            return error
        }
    }

    @Test func keepsTheFiguresBesideTheArguments() throws {
        let figures = try extra([
            "model": .string("m"), "duration_s": .number(1), "success": .bool(true), "id": .number(3),
            "frames": .number(121), "error": .string("CUDA out of memory"), "tiled": .bool(false), "seed": .null,
        ])
        #expect(figures == ["frames": .number(121), "error": .string("CUDA out of memory"), "tiled": .bool(false), "seed": .null])
    }

    @Test func refusesWhatWouldFillTheLedger() throws {
        let long = String(repeating: "x", count: UsageFigures.longestString + 1)
        #expect(try refusal(["error": .string(long)])?.message.contains("\"error\" is 1025 bytes long") == true)
        #expect(try refusal(["error": .string(String(repeating: "x", count: UsageFigures.longestString))]) == nil, "at the bound")
        let many = Dictionary(uniqueKeysWithValues: (0...UsageFigures.mostFigures).map { ("f\($0)", JSONValue.number(1)) })
        #expect(try refusal(many)?.message.contains("33 figures") == true)
        #expect(try refusal([String(repeating: "k", count: 65): .number(1)])?.message.contains("name") == true)
        #expect(try refusal(["vram": .number(2e15)])?.message.contains("\"vram\"") == true)
        #expect(try refusal(["nested": .array([.number(1)])])?.message.contains("a number, a string") == true)
        #expect(try refusal(["nested": .object([:])])?.code == .badRequest)
    }

    /// Found by FuzzTests: a figure nested hundreds deep took seconds to decode before
    /// it was refused.
    @Test func aDeeplyNestedFigureIsRefusedAtOnce() throws {
        let deep = String(repeating: "[", count: 510) + String(repeating: "]", count: 510)
        let parsed = try Request.parse(Data(#"{"cmd":"report","model":"m","duration_s":1,"success":true,"frames":\#(deep)}"#.utf8))
        let began = ContinuousClock.now
        let error = try #require(throws: ProtocolError.self) { try UsageFigures.extra(in: parsed, besides: ReportArguments.fixedFields) }
        #expect(ContinuousClock.now - began < .milliseconds(100))
        #expect(error.message.contains("\"frames\" must be a number, a string"))
    }

    @Test(arguments: [-1, -0.001, 7 * 86_400 + 1, Double.infinity, Double.nan] as [Double])
    func refusesDurationsOutsideAWeek(seconds: Double) {
        #expect(throws: ProtocolError.self) { try UsageFigures.checkDuration(seconds) }
    }

    @Test(arguments: [0, 93.5, 7 * 86_400.0])
    func acceptsDurationsUpToAWeek(seconds: Double) throws {
        try UsageFigures.checkDuration(seconds)
    }
}
