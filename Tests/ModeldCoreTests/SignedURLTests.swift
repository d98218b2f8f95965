import ModeldCore
import Testing

/// Which URLs a download asks again for a file's later pieces.
@Suite struct SignedURLTests {
    @Test func aCDNURLOnAnotherHostIsKeptAndARedirectOnTheHubItselfIsNot() {
        let resolve = "https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B/resolve/abc/model.safetensors"
        #expect(SignedURL.isReusable(final: "https://cdn-lfs-us-1.hf.co/repos/ab/cd/ef?X-Amz-Signature=1&Expires=2", requested: resolve))
        #expect(!SignedURL.isReusable(final: "https://huggingface.co/api/resolve-cache/models/x/abc/config.json", requested: resolve))
        #expect(!SignedURL.isReusable(final: resolve, requested: resolve), "no redirect")
        #expect(SignedURL.isReusable(final: "http://127.0.0.2:8080/lfs/x", requested: "http://127.0.0.1:8080/x/resolve/c/f"))
        #expect(SignedURL.isReusable(final: "http://127.0.0.1:9000/lfs/x", requested: "http://127.0.0.1:8080/x/resolve/c/f"), "another port, another server")
        #expect(!SignedURL.isReusable(final: "HTTPS://HuggingFace.co/x", requested: resolve), "hosts compare without case")
        #expect(!SignedURL.isReusable(final: "ftp://cdn/x", requested: resolve))
        #expect(!SignedURL.isReusable(final: "https://user@huggingface.co/x", requested: resolve), "credentials are not the host")
    }

    @Test func theCDNsRefusalsOfAnOldURLAreStaleAndItsOtherErrorsAreNot() {
        #expect([400, 401, 403, 404, 410].allSatisfy(SignedURL.isStale))
        #expect(![200, 206, 429, 500, 503, 0].contains(where: SignedURL.isStale))
    }
}
