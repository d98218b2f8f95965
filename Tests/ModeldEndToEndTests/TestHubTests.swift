import Foundation
import ModeldTestSupport
import Testing

/// The test hub speaks the hub's protocol (checked with curl and with the real
/// `hf download`), misbehaves on demand, and records what it was asked.
@Suite(.timeLimit(.minutes(10))) struct TestHubTests {
    static let repoID = "org/tiny"

    /// A small repo: regular files at the top and in a folder, LFS weights, a tokenizer.
    static func tinyRepo(gated: Bool = false) -> TestRepo {
        var repo = TestRepo(
            repoID,
            files: [
                TestFile("config.json", text: "{\"dim\": 8}\n"),
                TestFile("README.md", text: "# tiny\n"),
                TestFile("model.safetensors", size: 300_000, seed: 7),
                TestFile("text_encoder/tokenizer.json", text: "{\"model\": {}}\n"),
                TestFile("text_encoder/spiece.model", size: 5_000, seed: 8),
                TestFile("text_encoder/special tokens.txt", text: "<pad>\n"),
            ], gated: gated)
        repo.branches["refs/pr/1"] = repo.main.id
        return repo
    }

    // MARK: Digests

    @Test func digestsAgreeWithSha256sumAndGit() throws {
        let directory = try TemporaryDirectory()
        #expect(TestDigests.gitBlobID(Array("Hello, World!".utf8)) == "b45ef6fec89518d314f546fd6c3025367b721684")
        #expect(TestDigests.gitBlobID([]) == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
        // Lengths around the 64-byte block and the 56-byte padding limit, and a large one.
        for size in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1_000_003] {
            let bytes = TestFile.pattern(size: size, seed: UInt64(size))
            let path = directory.file("f\(size)")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let sha256 = try run("/usr/bin/sha256sum", [path], in: directory).output.prefix(64)
            let sha1 = try run("/usr/bin/sha1sum", [path], in: directory).output.prefix(40)
            let git = try run("/usr/bin/git", ["hash-object", path], in: directory).output.prefix(40)
            #expect(TestDigests.sha256(bytes) == sha256, "size \(size)")
            #expect(TestDigests.sha1(bytes) == sha1, "size \(size)")
            #expect(TestDigests.gitBlobID(bytes) == git, "size \(size)")
        }
    }

    // MARK: Listings

    @Test func revisionListsTheCommitAndItsBlobs() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let repo = try #require(hub.repo(Self.repoID))
        let directory = try TemporaryDirectory()

        let withBlobs = try fetch("\(hub.endpoint)/api/models/org/tiny/revision/main?blobs=true", in: directory)
        #expect(withBlobs.status == 200)
        #expect(withBlobs.headers["content-type"]?.hasPrefix("application/json") == true)
        let info = try object(withBlobs.body)
        #expect(info["id"] as? String == Self.repoID)
        #expect(info["sha"] as? String == repo.main.id)
        #expect(info["gated"] as? Bool == false)
        let siblings = try #require(info["siblings"] as? [[String: Any]])
        #expect(siblings.map { $0["rfilename"] as? String } == repo.main.files.map(\.path))
        let weights = try #require(siblings.first { $0["rfilename"] as? String == "model.safetensors" })
        let file = try #require(repo.file("model.safetensors"))
        #expect(weights["size"] as? Int == 300_000)
        #expect(weights["blobId"] as? String == file.gitBlobID)
        let lfs = try #require(weights["lfs"] as? [String: Any])
        #expect(lfs["sha256"] as? String == file.sha256)
        #expect(lfs["size"] as? Int == 300_000)
        #expect(lfs["pointerSize"] as? Int == file.pointer?.count)
        let config = try #require(siblings.first { $0["rfilename"] as? String == "config.json" })
        #expect(config["lfs"] == nil)
        #expect(config["blobId"] as? String == TestDigests.gitBlobID(Array("{\"dim\": 8}\n".utf8)))

        // Without ?blobs=true only the names; a PR ref percent-encoded; a commit id; no revision.
        let plain = try object(try fetch("\(hub.endpoint)/api/models/org/tiny/revision/main", in: directory).body)
        #expect((plain["siblings"] as? [[String: Any]])?.first?.keys.sorted() == ["rfilename"])
        for revision in ["refs%2Fpr%2F1", repo.main.id] {
            let answer = try fetch("\(hub.endpoint)/api/models/org/tiny/revision/\(revision)", in: directory)
            #expect(try answer.status == 200 && object(answer.body)["sha"] as? String == repo.main.id, "\(revision)")
        }
        #expect((try object(try fetch("\(hub.endpoint)/api/models/org/tiny", in: directory).body))["sha"] as? String == repo.main.id)

        // A gated repo says so, and still lists its files to anyone.
        hub.add(Self.gatedRepo("org/gated"))
        let gated = try fetch("\(hub.endpoint)/api/models/org/gated/revision/main", in: directory)
        #expect(try gated.status == 200 && object(gated.body)["gated"] as? String == "manual")
    }

    @Test func missingReposRevisionsAndFilesCarryTheirErrorCodes() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        let commit = try #require(hub.repo(Self.repoID)).main.id

        let anonymous = try fetch("\(hub.endpoint)/api/models/org/nothing/revision/main", in: directory)
        #expect(anonymous.status == 401 && anonymous.headers["x-error-code"] == "RepoNotFound")
        let signedIn = try fetch(
            "\(hub.endpoint)/api/models/org/nothing/revision/main", headers: ["Authorization: Bearer \(TestHub.token)"],
            in: directory)
        #expect(signedIn.status == 404 && signedIn.headers["x-error-code"] == "RepoNotFound")
        let badToken = try fetch(
            "\(hub.endpoint)/api/models/org/tiny/revision/main", headers: ["Authorization: Bearer hf_wrong"], in: directory)
        #expect(badToken.status == 401)

        let revision = try fetch("\(hub.endpoint)/api/models/org/tiny/revision/nope", in: directory)
        #expect(revision.status == 404 && revision.headers["x-error-code"] == "RevisionNotFound")
        #expect(revision.headers["x-error-message"]?.isEmpty == false)

        let file = try fetch(hub.resolveURL(Self.repoID, "missing.bin"), method: "HEAD", in: directory)
        #expect(file.status == 404 && file.headers["x-error-code"] == "EntryNotFound")
        #expect(file.headers["x-repo-commit"] == commit)
    }

    @Test func treePagesFollowTheLinkHeader() throws {
        var options = TestHub.Options()
        options.treePageSize = 2
        let hub = try TestHub(repos: [Self.tinyRepo()], options: options)
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        let commit = try #require(hub.repo(Self.repoID)).main

        var url: String? = "\(hub.endpoint)/api/models/org/tiny/tree/\(commit.id)?recursive=true"
        var entries: [[String: Any]] = []
        var pages = 0
        while let next = url {
            let page = try fetch(next, in: directory)
            #expect(page.status == 200)
            let items = try #require(try JSONSerialization.jsonObject(with: Data(page.body)) as? [[String: Any]])
            #expect(items.count <= 2)
            entries += items
            pages += 1
            url = page.headers["link"].flatMap(Self.nextLink)
            #expect(url == nil || url!.hasPrefix(hub.endpoint + "/"), "absolute next URL: \(url ?? "")")
        }
        #expect(pages == 4)  // 6 files and 1 folder
        #expect(entries.compactMap { $0["path"] as? String } == [
            "README.md", "config.json", "model.safetensors", "text_encoder", "text_encoder/special tokens.txt",
            "text_encoder/spiece.model", "text_encoder/tokenizer.json",
        ])
        let folder = try #require(entries.first { $0["path"] as? String == "text_encoder" })
        #expect(folder["type"] as? String == "directory" && (folder["oid"] as? String)?.count == 40)
        for file in commit.files {
            let entry = try #require(entries.first { $0["path"] as? String == file.path })
            #expect(entry["type"] as? String == "file")
            #expect(entry["oid"] as? String == file.gitBlobID)
            #expect(entry["size"] as? Int == file.size)
            let lfs = entry["lfs"] as? [String: Any]
            #expect(lfs?["oid"] as? String == file.sha256, "\(file.path)")
            #expect((lfs?["size"] as? Int) == (file.isLFS ? file.size : nil))
        }

        // recursive=1 works the same; without recursion, the folder's files are not listed.
        let first = try fetch("\(hub.endpoint)/api/models/org/tiny/tree/main?recursive=1", in: directory)
        #expect(first.headers["link"] != nil)
        var flat: [String] = []
        url = "\(hub.endpoint)/api/models/org/tiny/tree/main"
        while let next = url {
            let page = try fetch(next, in: directory)
            flat += (try JSONSerialization.jsonObject(with: Data(page.body)) as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            url = page.headers["link"].flatMap(Self.nextLink)
        }
        #expect(flat == ["README.md", "config.json", "model.safetensors", "text_encoder"])
    }

    // MARK: Files

    @Test func lfsFilesRedirectToTheCDNWithTheirHashAndSize() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        let repo = try #require(hub.repo(Self.repoID))
        let file = try #require(repo.file("model.safetensors"))

        let head = try fetch(hub.resolveURL(Self.repoID, file.path), method: "HEAD", in: directory)
        #expect(head.status == 302)
        #expect(head.headers["x-repo-commit"] == repo.main.id)
        #expect(head.headers["x-linked-etag"] == "\"\(file.sha256!)\"")
        #expect(head.headers["x-linked-size"] == "300000")
        #expect(head.headers["etag"] != nil)
        let location = try #require(head.headers["location"])
        #expect(location.hasPrefix(hub.cdnEndpoint + "/") && location.contains("?"))
        #expect(hub.cdnEndpoint != hub.endpoint)

        let cdnHead = try fetch(location, method: "HEAD", in: directory)
        #expect(cdnHead.status == 200 && cdnHead.body.isEmpty)
        #expect(cdnHead.headers["content-length"] == "300000")
        #expect(cdnHead.headers["accept-ranges"] == "bytes")
        #expect(cdnHead.headers["etag"] == "\"\(file.sha256!)\"")

        let get = try fetch(hub.resolveURL(Self.repoID, file.path), follow: true, in: directory)
        #expect(get.status == 200 && get.body == file.content)
        #expect(hub.log.bodyBytesSent(file: file.path) == 300_000)
        let cdn = hub.log.requests(on: .cdn)
        #expect(cdn.count == 2 && cdn.allSatisfy { $0.kind == .download && $0.file == file.path && $0.finished })
    }

    @Test func regularFilesRedirectRelativelyThenServeWithTheGitETag() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        let repo = try #require(hub.repo(Self.repoID))
        let file = try #require(repo.file("text_encoder/special tokens.txt"))

        let redirect = try fetch(hub.resolveURL(Self.repoID, file.path), method: "HEAD", in: directory)
        #expect(redirect.status == 307)
        #expect(redirect.headers["location"]?.hasPrefix("/api/resolve-cache/models/org/tiny/\(repo.main.id)/") == true)
        let get = try fetch(hub.resolveURL(Self.repoID, file.path, revision: "refs/pr/1"), follow: true, in: directory)
        #expect(get.status == 200 && get.body == file.content)
        #expect(get.headers["etag"] == "\"\(file.gitBlobID)\"")
        #expect(get.headers["x-repo-commit"] == repo.main.id)

        // Without the redirect, resolve serves the file itself.
        var options = TestHub.Options()
        options.redirectRegularFiles = false
        let direct = try TestHub(repos: [Self.tinyRepo()], options: options)
        defer { direct.shutdown() }
        let served = try fetch(direct.resolveURL(Self.repoID, file.path), in: directory)
        #expect(served.status == 200 && served.body == file.content)
        #expect(direct.log.requests.last?.kind == .download)
    }

    @Test func rangesGet206Or416AndIgnoreRangeGets200() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        let file = try #require(hub.repo(Self.repoID)?.file("model.safetensors"))
        let url = try #require(try fetch(hub.resolveURL(Self.repoID, file.path), in: directory).headers["location"])

        let middle = try fetch(url, headers: ["Range: bytes=1000-1999"], in: directory)
        #expect(middle.status == 206)
        #expect(middle.headers["content-range"] == "bytes 1000-1999/300000")
        #expect(middle.body == Array(file.content[1000..<2000]))
        let tail = try fetch(url, headers: ["Range: bytes=299000-"], in: directory)
        #expect(tail.status == 206 && tail.body == Array(file.content[299_000...]))
        #expect(tail.headers["content-range"] == "bytes 299000-299999/300000")
        let past = try fetch(url, headers: ["Range: bytes=300000-"], in: directory)
        #expect(past.status == 416 && past.headers["content-range"] == "bytes */300000", "\(past)")

        // Ranges work on the hub's own files too.
        let config = try fetch(hub.resolveURL(Self.repoID, "config.json"), headers: ["Range: bytes=1-3"], follow: true, in: directory)
        #expect(config.status == 206 && config.body == Array("\"di".utf8))

        hub.faults.enqueue(.ignoreRange, for: .download(file.path))
        let ignored = try fetch(url, headers: ["Range: bytes=1000-1999"], in: directory)
        #expect(ignored.status == 200 && ignored.body == file.content && ignored.headers["content-range"] == nil)
    }

    // MARK: Faults

    @Test func twoFailuresThenSuccessAndRetryAfter() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        hub.faults.enqueue(.status(503), for: .resolve("model.safetensors"), times: 2)
        hub.faults.enqueue(.status(429, retryAfter: 7), for: .revision(of: Self.repoID))
        #expect(hub.faults.pending == 3)

        // Other requests pass by the planned faults.
        #expect(try fetch(hub.resolveURL(Self.repoID, "config.json"), follow: true, in: directory).status == 200)
        let statuses = try (0..<3).map { _ in
            try fetch(hub.resolveURL(Self.repoID, "model.safetensors"), method: "HEAD", in: directory).status
        }
        #expect(statuses == [503, 503, 302])
        let limited = try fetch("\(hub.endpoint)/api/models/org/tiny/revision/main", in: directory)
        #expect(limited.status == 429 && limited.headers["retry-after"] == "7")
        #expect(try fetch("\(hub.endpoint)/api/models/org/tiny/revision/main", in: directory).status == 200)
        #expect(hub.faults.pending == 0)
        #expect(hub.log.requests.compactMap(\.fault).map(\.description) == [
            "status(503)", "status(503)", "status(429, retryAfter: 7)",
        ])
    }

    @Test func resetAfterCutsTheBodyShort() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        hub.faults.enqueue(.resetAfter(bytes: 10_000), for: .download("model.safetensors"))
        let cut = try fetch(hub.resolveURL(Self.repoID, "model.safetensors"), follow: true, in: directory)
        #expect(cut.curlStatus == 18)  // CURLE_PARTIAL_FILE
        #expect(cut.status == 200 && cut.body.count == 10_000)
        let record = try #require(hub.log.requests(on: .cdn).last)
        #expect(record.bodyBytesSent == 10_000 && !record.finished && record.fault == .resetAfter(bytes: 10_000))

        // The next request is whole again; a disconnect answers nothing.
        #expect(try fetch(hub.resolveURL(Self.repoID, "model.safetensors"), follow: true, in: directory).body.count == 300_000)
        hub.faults.enqueue(.disconnect)
        #expect(try fetch(hub.resolveURL(Self.repoID, "config.json"), in: directory).curlStatus == 52)  // empty reply
    }

    @Test func wrongBytesKeepTheLengthButNotTheContent() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        let file = try #require(hub.repo(Self.repoID)?.file("model.safetensors"))
        hub.faults.enqueue(.wrongBytes, for: .download(file.path))
        let bad = try fetch(hub.resolveURL(Self.repoID, file.path), follow: true, in: directory)
        #expect(bad.status == 200 && bad.body.count == file.size && bad.body != file.content)
        #expect(zip(bad.body, file.content).filter { $0 != $1 }.count == 1)
        #expect(TestDigests.sha256(bad.body) != file.sha256)
    }

    @Test func stallAndThrottleSlowTheBodyDown() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        let file = try #require(hub.repo(Self.repoID)?.file("model.safetensors"))
        hub.faults.enqueue(.stall(afterBytes: 1000, for: .milliseconds(600)), for: .download(file.path))
        var start = ContinuousClock.now
        let stalled = try fetch(hub.resolveURL(Self.repoID, file.path), follow: true, in: directory)
        #expect(stalled.body == file.content)
        #expect(ContinuousClock.now - start >= .milliseconds(600))

        hub.faults.enqueue(.throttle(bytesPerSecond: 500_000), for: .download(file.path))
        start = ContinuousClock.now
        let slow = try fetch(hub.resolveURL(Self.repoID, file.path), follow: true, in: directory)
        #expect(slow.body == file.content)
        #expect(ContinuousClock.now - start >= .milliseconds(450))  // 6 slices of 50 kB, 100 ms apart
    }

    @Test func gatedFilesNeedATokenThatNeverReachesTheCDN() throws {
        let hub = try TestHub(repos: [Self.gatedRepo("org/gated")])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        let url = hub.resolveURL("org/gated", "model.safetensors")

        let anonymous = try fetch(url, method: "HEAD", in: directory)
        #expect(anonymous.status == 401 && anonymous.headers["x-error-code"] == "GatedRepo")
        try hub.update("org/gated") { $0.approvedTokens = ["hf_someone_else"] }
        let unapproved = try fetch(url, headers: ["Authorization: Bearer \(TestHub.token)"], in: directory)
        #expect(unapproved.status == 403 && unapproved.headers["x-error-code"] == "GatedRepo")
        try hub.update("org/gated") { $0.approvedTokens = nil }

        let signedIn = try fetch(url, headers: ["Authorization: Bearer \(TestHub.token)"], follow: true, in: directory)
        #expect(signedIn.status == 200 && signedIn.body == hub.repo("org/gated")?.file("model.safetensors")?.content)
        #expect(hub.log.requests(on: .hub).last?.authorization == "Bearer \(TestHub.token)")
        let cdn = hub.log.requests(on: .cdn)
        #expect(cdn.count == 1 && cdn[0].authorization == nil && cdn[0].host?.hasPrefix(String(hub.cdnEndpoint.dropFirst(7))) == true)

        // The CDN does record a token sent to it: the check above can fail.
        let redirect = try fetch(url, method: "HEAD", headers: ["Authorization: Bearer \(TestHub.token)"], in: directory)
        let location = try #require(redirect.headers["location"])
        _ = try fetch(location, headers: ["Authorization: Bearer leaked"], in: directory)
        #expect(hub.log.requests(on: .cdn).last?.authorization == "Bearer leaked")
    }

    @Test func theCDNRefusesTamperedAndExpiredURLs() throws {
        var options = TestHub.Options()
        options.cdnURLLifetime = .seconds(-5)
        let expired = try TestHub(repos: [Self.tinyRepo()], options: options)
        defer { expired.shutdown() }
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()

        let old = try fetch(expired.resolveURL(Self.repoID, "model.safetensors"), follow: true, in: directory)
        #expect(old.status == 403 && String(decoding: old.body, as: UTF8.self).contains("expired"))
        let location = try #require(try fetch(hub.resolveURL(Self.repoID, "model.safetensors"), in: directory).headers["location"])
        let tampered = try fetch(location.replacingOccurrences(of: "expires=", with: "expires=9"), in: directory)
        #expect(tampered.status == 403)
    }

    @Test func delayHoldsTheAnswerAndAPathLiteralTargetsOneRequest() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        hub.faults.enqueue(.delay(.milliseconds(500)), for: "/api/models/org/tiny/revision/main")
        let start = ContinuousClock.now
        #expect(try fetch("\(hub.endpoint)/api/models/org/tiny/revision/main", in: directory).status == 200)
        #expect(ContinuousClock.now - start >= .milliseconds(500))
        #expect(hub.faults.pending == 0)
    }

    @Test func startsAndStopsFromAsyncCode() async throws {
        let hub = try await TestHub.start(repos: [Self.tinyRepo()])
        let directory = try TemporaryDirectory()
        #expect(try fetch("\(hub.endpoint)/api/models/org/tiny", in: directory).status == 200)
        await hub.stop()
        let refused = try fetch("\(hub.endpoint)/api/models/org/tiny", in: directory)
        #expect(refused.curlStatus == 7, "\(refused)")  // refused
        #expect(try fetch("\(hub.cdnEndpoint)/", in: directory).curlStatus == 7)
    }

    @Test func processesSpawnedMeanwhileInheritNoneOfTheHubsSockets() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        // A connection held open by a stall while another process starts.
        hub.faults.enqueue(.stall(afterBytes: 1000, for: .seconds(3)), for: .download("model.safetensors"))
        let curl = try ChildProcess(
            "/usr/bin/curl", ["-sS", "--noproxy", "*", "-L", "-o", directory.file("out"), hub.resolveURL(Self.repoID, "model.safetensors")],
            environment: ChildProcess.baseEnvironment, outputDirectory: directory.path)
        defer { curl.signal(SIGKILL) }
        try waitUntil("the stalled download") { hub.log.requests(on: .cdn).first?.bodyBytesSent == 1000 }
        let sleeper = try ChildProcess("/bin/sleep", ["30"], environment: ChildProcess.baseEnvironment, outputDirectory: directory.path)
        defer { sleeper.signal(SIGKILL) }

        let hubSockets = try Self.socketInodes(ports: [hub.port, hub.cdnPort])
        #expect(hubSockets.count >= 3)  // two listeners and the stalled connection (curl's end too)
        let inherited = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(sleeper.pid)/fd").compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(sleeper.pid)/fd/\($0)")
        }
        #expect(inherited.filter { hubSockets.contains($0) }.isEmpty, "\(inherited)")
    }

    /// `socket:[inode]` of every TCP socket bound to one of `ports`, from /proc/net/tcp.
    static func socketInodes(ports: [Int]) throws -> Set<String> {
        // Read to the end: /proc files come a page per read.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/net/tcp"))
        let table = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        var inodes = Set<String>()
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, let port = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                ports.contains(port)
            else { continue }
            inodes.insert("socket:[\(fields[9])]")
        }
        return inodes
    }

    @Test func reposChangeWhileTheHubRuns() throws {
        let hub = try TestHub(repos: [Self.tinyRepo()])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        let old = try #require(hub.repo(Self.repoID)).main.id
        let new = try hub.update(Self.repoID) { $0.commit([TestFile("config.json", text: "{\"dim\": 16}\n")]).id }
        #expect(new != old)
        let info = try object(try fetch("\(hub.endpoint)/api/models/org/tiny/revision/main", in: directory).body)
        #expect(info["sha"] as? String == new)
        // The old commit is still there by id.
        #expect(try fetch(hub.resolveURL(Self.repoID, "model.safetensors", revision: old), method: "HEAD", in: directory).status == 302)
        #expect(try fetch(hub.resolveURL(Self.repoID, "model.safetensors"), method: "HEAD", in: directory).status == 404)
    }

    @Test func aLargeFileStreamsWhole() throws {
        let size = 48 << 20
        let hub = try TestHub(repos: [TestRepo("org/big", files: [TestFile("big.safetensors", size: size, seed: 3)])])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        let file = try #require(hub.repo("org/big")?.file("big.safetensors"))
        let run = try self.run(
            "/usr/bin/curl",
            ["-sS", "--noproxy", "*", "-L", "-o", directory.file("big"), hub.resolveURL("org/big", file.path)], in: directory)
        #expect(run.status == 0, "\(run.error)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.file("big"))) == Data(file.content))
        #expect(hub.log.bodyBytesSent(file: file.path) == size)
    }

    // MARK: The real client

    @Test func hfDownloadFillsAnHFCache() throws {
        var options = TestHub.Options()
        options.treePageSize = 2  // hf follows the Link header too
        let hub = try TestHub(repos: [Self.tinyRepo()], options: options)
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        let run = try hfDownload(Self.repoID, hub: hub, in: directory)
        #expect(run.status == 0, "hf download failed:\n\(run.output)\n\(run.error)\n\(hub.log.requests)")
        try expectCache(of: try #require(hub.repo(Self.repoID)), in: directory.file("cache"))
        // (hf also asks /api/agent-harnesses, which the test hub does not know.)
        #expect(hub.log.requests.filter { $0.kind != .other }.allSatisfy { $0.status < 400 }, "\(hub.log.requests)")
        #expect(hub.log.requests.filter { $0.kind == .tree }.count == 4)
    }

    @Test func hfDownloadResumesACutTransferWithARange() throws {
        // hf reads in 10 MiB chunks and resumes from the last whole chunk it wrote.
        let mib = 1 << 20
        let repo = TestRepo("org/resume", files: [TestFile("config.json", text: "{}\n"), TestFile("model.safetensors", size: 12 * mib)])
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        hub.faults.enqueue(.resetAfter(bytes: 11 * mib), for: .download("model.safetensors"))
        let run = try hfDownload("org/resume", hub: hub, in: directory)
        #expect(run.status == 0, "hf download failed:\n\(run.output)\n\(run.error)\n\(hub.log.requests)")
        try expectCache(of: repo, in: directory.file("cache"))
        let downloads = hub.log.requests(on: .cdn)
        #expect(downloads.map(\.status) == [200, 206], "\(downloads)")
        #expect(downloads.last?.range == "bytes=\(10 * mib)-")
        #expect(hub.log.bodyBytesSent(file: "model.safetensors") == 13 * mib)
    }

    @Test func hfDownloadOfAGatedRepoKeepsTheTokenOffTheCDN() throws {
        let hub = try TestHub(repos: [Self.gatedRepo("org/gated")])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()

        let refused = try hfDownload("org/gated", hub: hub, in: directory)
        #expect(refused.status != 0)
        #expect((refused.output + refused.error).contains("gated") || (refused.output + refused.error).contains("401"))

        hub.log.clear()
        let run = try hfDownload("org/gated", hub: hub, token: TestHub.token, in: directory)
        #expect(run.status == 0, "hf download failed:\n\(run.output)\n\(run.error)\n\(hub.log.requests)")
        try expectCache(of: try #require(hub.repo("org/gated")), in: directory.file("cache"))
        let cdn = hub.log.requests(on: .cdn)
        #expect(!cdn.isEmpty && cdn.allSatisfy { $0.authorization == nil }, "\(cdn)")
        #expect(hub.log.requests(on: .hub).filter { $0.repo != nil }.allSatisfy { $0.authorization == "Bearer \(TestHub.token)" })
    }

    @Test func getPathsInfoAnswersFilesFoldersAndLFSAsTheTreeDoes() throws {
        var repo = Self.tinyRepo()
        repo.isPrivate = true
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let directory = try TemporaryDirectory()
        // What olah asks, and more: a folder, a path twice, one the commit lacks (left out).
        let script = """
            import sys
            from huggingface_hub import HfApi
            from huggingface_hub.errors import RepositoryNotFoundError
            api = HfApi()
            paths = ["model.safetensors", "config.json", "text_encoder", "config.json", "missing.bin"]
            try:
                infos = api.get_paths_info(sys.argv[1], paths, revision=sys.argv[2])
            except RepositoryNotFoundError:
                print("RepositoryNotFound"); sys.exit(0)
            for i in infos:
                fields = [type(i).__name__, i.path, getattr(i, "size", "-"), getattr(i, "blob_id", None) or i.tree_id]
                if getattr(i, "lfs", None):
                    fields += ["lfs", i.lfs.sha256, i.lfs.size, i.lfs.pointer_size]
                print(*fields)
            """
        func getPathsInfo(token: String?) throws -> String {
            let run = try ChildProcess.run(
                try HFCLI.python(), ["-c", script, Self.repoID, repo.main.id],
                environment: HFCLI.environment(hub: hub, token: token, home: directory.path), in: directory.path)
            #expect(run.status == 0, "\(run.error)")
            return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        #expect(try getPathsInfo(token: nil) == "RepositoryNotFound", "private: anonymous callers get 401")
        let answer = try getPathsInfo(token: TestHub.token)
        let weights = try #require(repo.main.file("model.safetensors"))
        let config = try #require(repo.main.file("config.json"))
        let expected = [
            "RepoFile \(weights.path) \(weights.size) \(weights.gitBlobID) lfs \(weights.sha256 ?? "") \(weights.size) \(weights.pointer?.count ?? 0)",
            "RepoFile \(config.path) \(config.size) \(config.gitBlobID)",
            "RepoFolder text_encoder - \(repo.main.directoryID("text_encoder"))",
        ]
        #expect(answer.components(separatedBy: "\n") == expected)
        let posts = hub.log.requests.filter { $0.kind == .pathsInfo }
        #expect(posts.count == 2 && posts.allSatisfy { $0.method == "POST" }, "\(hub.log.requests)")

        // JSON bodies too, and nothing but POST.
        let url = "\(hub.endpoint)/api/models/\(Self.repoID)/paths-info/main"
        let auth = "Authorization: Bearer \(TestHub.token)"
        let json = try ChildProcess.run(
            "/usr/bin/curl",
            ["-sS", "--noproxy", "*", "-H", auth, "-H", "Content-Type: application/json", "--data", #"{"paths": "README.md"}"#, url],
            in: directory.path)
        #expect(json.output.contains(#""path":"README.md""#) && json.output.hasPrefix("["), "\(json.output)")
        #expect(try fetch(url, headers: [auth], in: directory).status == 405)
    }

    // MARK: Helpers

    static func gatedRepo(_ id: String) -> TestRepo {
        TestRepo(id, files: [TestFile("config.json", text: "{}\n"), TestFile("model.safetensors", size: 20_000, seed: 2)], gated: true)
    }

    static func nextLink(_ header: String) -> String? {
        guard header.contains("rel=\"next\""), let open = header.firstIndex(of: "<"), let close = header.firstIndex(of: ">")
        else { return nil }
        return String(header[header.index(after: open)..<close])
    }

    /// `hf download` (HFCLI: a clean environment) into `<directory>/cache`.
    func hfDownload(_ repo: String, hub: TestHub, token: String? = nil, in directory: TemporaryDirectory) throws -> (
        status: Int32, output: String, error: String
    ) {
        try HFCLI.download(repo, hub: hub, cache: directory.file("cache"), token: token, in: directory)
    }

    /// The cache layout `hf download` leaves: blobs by hash, `refs/main`, snapshot symlinks.
    func expectCache(of repo: TestRepo, in cache: String) throws {
        let root = "\(cache)/\(repo.cacheFolderName)"
        let manager = FileManager.default
        #expect(try String(contentsOfFile: "\(root)/refs/main", encoding: .utf8) == repo.main.id)
        for file in repo.main.files {
            let blob = "\(root)/blobs/\(file.etag)"
            #expect(manager.contents(atPath: blob) == Data(file.content), "\(blob)")
            let link = "\(root)/snapshots/\(repo.main.id)/\(file.path)"
            let depth = file.path.split(separator: "/").count - 1
            let target = try manager.destinationOfSymbolicLink(atPath: link)
            #expect(target == String(repeating: "../", count: depth + 2) + "blobs/\(file.etag)", "\(link)")
            #expect(manager.contents(atPath: link) == Data(file.content), "\(link)")
        }
    }

    struct Fetched: CustomStringConvertible {
        var curlStatus: Int32
        var status: Int
        /// The last response's headers, names lowercased.
        var headers: [String: String]
        var body: [UInt8]
        var description: String { "curl \(curlStatus), HTTP \(status), \(headers), \(body.count) bytes" }
    }

    /// One request with curl (never through a proxy): the last response's status,
    /// headers and body.
    func fetch(
        _ url: String, method: String = "GET", headers: [String] = [], follow: Bool = false, in directory: TemporaryDirectory
    ) throws -> Fetched {
        let name = UUID().uuidString
        var arguments = ["-sS", "--noproxy", "*", "--max-time", "30"]
        arguments += ["-D", directory.file("\(name).head"), "-o", directory.file("\(name).body")]
        if method == "HEAD" { arguments.append("-I") } else if method != "GET" { arguments += ["-X", method] }
        if follow { arguments.append("-L") }
        for header in headers { arguments += ["-H", header] }
        let run = try self.run("/usr/bin/curl", arguments + [url], in: directory)
        let head = (try? String(contentsOfFile: directory.file("\(name).head"), encoding: .utf8)) ?? ""
        let last = head.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }.last ?? ""
        var lines = last.components(separatedBy: "\r\n")
        let statusLine = lines.isEmpty ? "" : lines.removeFirst()
        var fields: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = method == "HEAD" ? [] : (FileManager.default.contents(atPath: directory.file("\(name).body")).map(Array.init) ?? [])
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return Fetched(curlStatus: run.status, status: status, headers: fields, body: body)
    }

    func run(
        _ tool: String, _ arguments: [String], in directory: TemporaryDirectory
    ) throws -> (status: Int32, output: String, error: String) {
        try ChildProcess.run(tool, arguments, in: directory.path)
    }

    func object(_ body: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], "\(String(decoding: body, as: UTF8.self))")
    }
}
