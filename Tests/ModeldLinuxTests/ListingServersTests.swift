import Foundation
import ModeldCore
import ModeldTestSupport
import Testing

@testable import ModeldLinux

/// The listing goes to the endpoint, then to each mirror, as the files do; the token
/// only ever to the endpoint.
@Suite(.timeLimit(.minutes(10))) struct ListingServersTests {
    static let repo = TestRepo("org/listed", files: [TestFile("config.json", text: "{}\n"), TestFile("model.bin", size: 10_000)])

    @Test func aFailingEndpointLeavesTheListingToTheMirrorWithoutTheToken() throws {
        let endpoint = try TestHub(repos: [Self.repo])
        let mirror = try TestHub(repos: [Self.repo])
        defer {
            endpoint.shutdown()
            mirror.shutdown()
        }
        endpoint.faults.enqueue(.status(503), for: .listener(.hub), times: 100)
        let servers = ListingServers(endpoint: endpoint.endpoint, mirrors: [mirror.endpoint], token: TestHub.token)
        let fetched = try servers.ask(about: Self.repo.id) { fetcher throws(HubFailure) in
            try fetcher.fetch(repo: Self.repo.id, revision: "main")
        }
        #expect(fetched.manifest.commit == Self.repo.main.id)
        #expect(fetched.manifest.files.map(\.path).sorted() == ["config.json", "model.bin"])
        #expect(endpoint.log.requests.allSatisfy { $0.authorization == "Bearer \(TestHub.token)" })
        #expect(!mirror.log.requests.isEmpty && mirror.log.requests.allSatisfy { $0.authorization == nil })
    }

    @Test func whenEveryServerFailsTheErrorNamesEachWithTheEndpointsKind() throws {
        let endpoint = try TestHub(repos: [])
        let mirror = try TestHub(repos: [])
        defer {
            endpoint.shutdown()
            mirror.shutdown()
        }
        mirror.faults.enqueue(.status(503), for: .listener(.hub), times: 100)
        let servers = ListingServers(endpoint: endpoint.endpoint, mirrors: [mirror.endpoint], token: TestHub.token)
        #expect {
            try servers.ask(about: Self.repo.id) { fetcher throws(HubFailure) in try fetcher.commit(repo: Self.repo.id, revision: "main") }
        } throws: { error in
            guard let failure = error as? HubFailure else { return false }
            return failure.kind == .notFound && failure.message.contains(endpoint.endpoint) && failure.message.contains(mirror.endpoint)
        }
    }
}
