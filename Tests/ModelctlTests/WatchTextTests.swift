import Foundation
import ModeldProtocol
import Testing

@testable import modelctl

@Suite struct WatchTextTests {
    static func event(_ json: String) throws -> JSONValue { try WireCodec.decoder.decode(JSONValue.self, from: Data(json.utf8)) }

    @Test func eachEventIsOneReadableLine() throws {
        let time = #""time":"2026-11-21T13:22:11Z","seq":1"#
        #expect(Watch.describe(try Self.event(
            #"{"event":"model.state",\#(time),"model":"m","from":"missing","to":"queued","reason":"queued for download"}"#))
            == "13:22:11 model.state m: missing → queued (queued for download)")
        #expect(Watch.describe(try Self.event(
            #"{"event":"download.progress",\#(time),"model":"m","bytes_done":1073741824,"bytes_total":4294967296,"speed_bps":104857600,"eta_s":30}"#))
            == "13:22:11 download.progress m: 25%  1 GiB / 4 GiB  100 MiB/s  ETA 30s")
        #expect(Watch.describe(try Self.event(
            #"{"event":"integrity.damaged",\#(time),"model":"m","file":"a.safetensors","damaged_ranges":[[16777216,33554432]],"reason":"chunk 1 differs","source":"watch"}"#))
            == "13:22:11 integrity.damaged m: a.safetensors damaged (chunk 1 differs) at [16 MiB, 32 MiB), found by watch")
        #expect(Watch.describe(try Self.event(
            #"{"event":"download.failed",\#(time),"model":"m","error":{"code":"not_found","message":"no such file","hint":"check the repo"}}"#))
            == "13:22:11 download.failed m: failed: no such file (hint: check the repo)")
    }
}
