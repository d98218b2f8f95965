import Foundation
import ModeldCore
import ModeldProtocol
import Testing

@Suite struct RequestParsingTests {
    func rejection(_ text: String) -> Request.Rejection? {
        do {
            _ = try Request.parse(Data(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func readsTheEnvelopeAndEchoesTheId() throws {
        let request = try Request.parse(Data(#"{"id": 7, "cmd": "status", "model": "ti2v-5B"}"#.utf8))
        #expect(request.command == "status")
        #expect(request.id == .number(7))
        #expect(try request.arguments(ModelArgument.self).model == "ti2v-5B")
        #expect(try Request.parse(Data(#"{"id":"abc","cmd":"version"}"#.utf8)).id == .string("abc"))
    }

    @Test(arguments: ["not json", "[1,2]", "42", #""status""#, "{}", #"{"cmd": ""}"#, #"{"cmd": 5}"#])
    func rejectsWhatIsNotARequest(line: String) throws {
        let found = try #require(rejection(line))
        #expect(found.error.code == .badRequest)
        #expect(found.error.hint != nil)
    }

    @Test func keepsTheIdOfARequestWithoutCmd() throws {
        #expect(try #require(rejection(#"{"id": 3}"#)).id == .number(3))
    }

    /// Found by FuzzTests (seed 120325193165924): the id was lost with a mistyped `cmd`.
    @Test(arguments: [#"{"cmd": false, "id": 103}"#, #"{"id": 103, "cmd": [1]}"#, #"{"id": 103, "cmd": {"a": 1}}"#, #"{"id": 103, "cmd": 1e308}"#])
    func keepsTheIdOfARequestWhoseCmdIsNotAString(line: String) throws {
        let found = try #require(rejection(line))
        #expect(found.id == .number(103))
        #expect(found.error.code == .badRequest)
        #expect(found.error.message == #""cmd" must be a string"#)
    }

    /// Found by FuzzTests (seed 120325193165924): an id nested 510 deep took over two
    /// seconds to read, then could not be encoded back (`internal`). An id is a string or
    /// a number; anything else is refused at once and not echoed.
    @Test(arguments: ["true", "[1]", "{\"a\":1}", String(repeating: "{\"a\":", count: 510) + "1" + String(repeating: "}", count: 510)])
    func anIdThatIsNotAStringOrANumberIsRefusedAtOnce(id: String) throws {
        let began = ContinuousClock.now
        let found = try #require(rejection(#"{"cmd":"version","id":\#(id)}"#))
        #expect(ContinuousClock.now - began < .milliseconds(100))
        #expect(found.id == nil)
        #expect(found.error.message == #""id" must be a string or a number"#)
        #expect(try Request.parse(Data(#"{"cmd":"version","id":null}"#.utf8)).id == nil, "null is no id")
    }

    @Test func aMistypedArgumentIsNamed() throws {
        let request = try Request.parse(Data(#"{"cmd":"status","model":5}"#.utf8))
        let error = try #require(throws: ProtocolError.self) { try request.arguments(ModelArgument.self) }
        #expect(error.code == .badRequest)
        #expect(error.message == #"argument "model" must be a string"#)
    }
}

@Suite struct ResponseCodecTests {
    @Test func successAndFailureLinesFollowTheEnvelope() throws {
        let success = try WireCodec.success(id: .number(1), result: ReloadResult(changed: ["a"]))
        #expect(success.last == 0x0A)
        let decoded = try WireCodec.decoder.decode(Response.self, from: success)
        #expect(decoded.ok && decoded.id == .number(1))
        #expect(try decoded.decode(ReloadResult.self).changed == ["a"])

        let failure = WireCodec.failure(id: .string("x"), error: ProtocolError(.unknownModel, "no model 'q'", hint: "modelctl status"))
        let text = String(decoding: failure, as: UTF8.self)
        #expect(text == #"{"error":{"code":"unknown_model","hint":"modelctl status","message":"no model 'q'"},"id":"x","ok":false}"# + "\n")
        let response = try WireCodec.decoder.decode(Response.self, from: failure)
        #expect(throws: ProtocolError.self) { try response.decode(ReloadResult.self) }
    }

    @Test func statusUsesTheContractsFieldNames() throws {
        let status = ModelStatus(
            model: "m", repo: "o/m", revision: "main", state: .unknown, ready: false, path: "/p/m", sizeBytes: 10,
            pinned: false)
        let line = String(decoding: try WireCodec.line(status), as: UTF8.self)
        for field in [#""size_bytes":10"#, #""state":"unknown""#, #""path":"/p/m""#, #""ready":false"#] {
            #expect(line.contains(field))
        }
    }

    @Test func jsonValuesRoundTrip() throws {
        let value: JSONValue = .object(["a": .array([.number(1), .number(2.5), .bool(true), .null, .string("s")])])
        let data = try WireCodec.encoder.encode(value)
        #expect(String(decoding: data, as: UTF8.self) == #"{"a":[1,2.5,true,null,"s"]}"#)
        #expect(try WireCodec.decoder.decode(JSONValue.self, from: data) == value)
    }
}

@Suite struct EventTests {
    @Test func anEventLineCarriesNameSeqTimeAndFields() throws {
        let event = Event(.modelState(model: "m", from: .missing, to: .available, reason: "verified"), time: Date(timeIntervalSince1970: 0))
        let line = try event.line(seq: 3)
        let object = try WireCodec.decoder.decode(JSONValue.self, from: line)
        #expect(object["event"] == .string("model.state"))
        #expect(object["seq"] == .number(3))
        #expect(object["time"] == .string("1970-01-01T00:00:00Z"))
        #expect(object["from"] == .string("missing"))
        #expect(object["to"] == .string("available"))
    }

    @Test func subscriptionsFilterByTopicPrefixAndModel() {
        let state = Event(.modelState(model: "a", from: .unknown, to: .missing, reason: ""))
        let reload = Event(.configReloaded(changed: []))
        #expect(Subscription().matches(state))
        #expect(Subscription(topics: ["model"]).matches(state))
        #expect(!Subscription(topics: ["mod"]).matches(state), "a topic is a dotted prefix, not any prefix")
        #expect(!Subscription(topics: ["download"]).matches(state))
        #expect(Subscription(models: ["a"]).matches(state))
        #expect(!Subscription(models: ["b"]).matches(state))
        #expect(Subscription(models: ["b"]).matches(reload), "events about no model reach every subscriber")
    }

    @Test func everyCommandHasAnAccessClass() {
        #expect(Command.reload.access == .admin)
        #expect(Command.status.access == .read)
        #expect(Command.acquire.access == .use)
        #expect(Command.backup.access == .admin, "a backup holds the usage history and the config")
        #expect(Command.adopt.access == .admin, "it writes into the store and reads folders as the daemon")
        #expect(Command.doctor.access == .read, "a deployment check changes nothing a client sees")
        #expect(Command.allCases.count == 30)
    }
}
