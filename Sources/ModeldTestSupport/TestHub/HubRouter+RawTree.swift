/// `/api/models/{repo}/tree/…` for a repo with a `RawTreeListing`.
extension HubRouter {
    func rawTree(_ listing: RawTreeListing, request: RecordedRequest, target: Target) -> HubResponse {
        let page = target.parameter("cursor").flatMap(Int.init) ?? 0
        guard page >= 0 else { return .error(400, code: nil, "Invalid cursor") }
        let body = page < listing.pages.count ? listing.pages[page] : "[]"
        let nextPage = "\(endpoint)\(request.path)?recursive=true&cursor=\(page + 1)"
        let next: String? =
            if page + 1 < listing.pages.count {
                nextPage
            } else {
                switch listing.onward {
                case .end: nil
                case .forever: nextPage
                case .url(let url): url
                }
            }
        let link = next.map { [("Link", "<\($0)>; rel=\"next\"")] } ?? []
        return HubResponse(status: 200, headers: [("Content-Type", "application/json; charset=utf-8")] + link, body: Array(body.utf8))
    }
}
