import ModeldCore
import Testing

@Suite struct CatalogTests {
    @Test func summaryCountsStatesInProtocolOrder() {
        #expect(StateSummary.line([.missing, .available, .missing]) == "3 models: 1 available, 2 missing")
        #expect(StateSummary.line([.unknown]) == "1 model: 1 unknown")
        #expect(StateSummary.line([]) == "no models in the catalog")
    }

    @Test func suggestsTheModelMeant() {
        let ids = ["t2v-A14B", "i2v-A14B", "ti2v-5B"]
        #expect(ModelNameSuggester.suggestion(for: "ti2v5b", among: ids) == "ti2v-5B")
        #expect(ModelNameSuggester.suggestion(for: "T2V-A14B", among: ids) == "t2v-A14B")
        #expect(ModelNameSuggester.suggestion(for: "t2v-A13B", among: ids) == "t2v-A14B")
        #expect(ModelNameSuggester.suggestion(for: "stable-diffusion", among: ids) == nil)
        #expect(ModelNameSuggester.suggestion(for: String(repeating: "t", count: 1 << 20), among: ids) == nil)
    }

    @Test func idsAndReposAreSafeNames() {
        #expect(CatalogModel.isValidID("ti2v-5B"))
        #expect(!CatalogModel.isValidID(".hidden"))
        #expect(!CatalogModel.isValidID("a/b"))
        #expect(!CatalogModel.isValidID(""))
        #expect(CatalogModel.isValidRepo("Wan-AI/Wan2.2-TI2V-5B"))
        #expect(!CatalogModel.isValidRepo("Wan-AI/../etc"))
        #expect(!CatalogModel.isValidRepo("a/b/c"))
    }
}
