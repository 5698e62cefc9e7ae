using System.Net;
using System.Text.Json.Nodes;

namespace Observatoire.Api.Tests.Territories;

public sealed class TerritoryQueryTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    private async Task<List<JsonNode>> All(string url)
    {
        var items = new List<JsonNode>();
        string? next = url;
        while (next is not null)
        {
            var page = await (await _client.GetAsync(next)).JsonBody();
            items.AddRange(page["items"]!.AsArray().Select(i => i!));
            next = (string?)page["links"]!["next"];
        }
        return items;
    }

    private static List<string> Ids(IEnumerable<JsonNode> items) => items.Select(i => (string)i["id"]!).ToList();

    [Test]
    public async Task A_commune_code_finds_the_territory_of_each_phase_it_belongs_to()
    {
        var ids = Ids(await All("/v1/territories?commune=90010"));
        Assert.That(ids, Is.SupersetOf(new[] { "2018-ti2707", "2023-ti-2708" }));
        Assert.That(ids.Where(id => !TerritoryRequests.IsTestId(id)).ToList(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_region_filter_keeps_only_territories_covering_that_region()
    {
        var items = await All("/v1/territories?phase=2018-2022&region=53&limit=100");
        Assert.That(items, Is.Not.Empty);
        Assert.That(items.All(i => i["regions"]!.AsArray().Any(r => (string?)r!["code"] == "53")));
        Assert.That(Ids(items), Does.Contain("2018-ti5305"));
    }

    [Test]
    public async Task A_department_filter_keeps_only_territories_covering_that_department()
    {
        var items = await All("/v1/territories?department=90");
        Assert.That(Ids(items), Is.SupersetOf(new[] { "2018-ti2707", "2023-ti-2708" }));
        Assert.That(items.All(i => i["departments"]!.AsArray().Any(d => (string?)d == "90")));
    }

    [Test]
    public async Task An_epci_filter_finds_the_territories_that_grouping_belongs_to()
    {
        var ids = Ids(await All("/v1/territories?epci=200069052"));
        Assert.That(ids, Is.SupersetOf(new[] { "2018-ti2707", "2023-ti-2708" }));
    }

    [Test]
    public async Task The_studied_filter_finds_the_eight_studied_territories()
    {
        var ids = Ids(await All("/v1/territories?studied=true&phase=2018-2022"));
        Assert.That(ids.Where(id => !TerritoryRequests.IsTestId(id)), Is.EquivalentTo(new[]
        {
            "2018-ti1104", "2018-ti2702", "2018-ti2707", "2018-ti2804", "2018-ti4414", "2018-ti5209", "2018-ti7505", "2018-ti9301",
        }));
    }

    [TestCase("saint nazaire", "2018-ti5209")]
    [TestCase("Saint-Nazaire", "2018-ti5209")]
    [TestCase("st nazaire", "2018-ti5209")]
    [TestCase("SAINT NAZAIRE", "2018-ti5209")]
    [TestCase("Chalon", "2018-ti2702")]
    [TestCase("orly", "2018-ti1104")]
    [TestCase("bievre", "2018-ti1104")]
    [TestCase("Franche Comte", "2023-ti-2708")]
    [TestCase("finistere", "2023-ti-5304")]
    public async Task French_search_ignores_case_accents_hyphens_and_saint_abbreviations(string q, string expected)
    {
        var response = await _client.GetAsync($"/v1/territories?q={Uri.EscapeDataString(q)}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var ids = Ids((await response.JsonBody())["items"]!.AsArray().Select(i => i!));
        Assert.That(ids, Does.Contain(expected));
    }

    [Test]
    public async Task Search_results_come_best_first_and_page_without_repeats()
    {
        var items = await All("/v1/territories?q=grand&limit=3");
        Assert.That(items, Has.Count.GreaterThan(3));
        Assert.That(Ids(items), Is.Unique);
        Assert.That(items.All(i => ((string)i["name"]!).Contains("Grand", StringComparison.OrdinalIgnoreCase)));
    }

    [Test]
    public async Task Sorting_by_descending_commune_count_then_name_pages_in_that_order()
    {
        var items = await All("/v1/territories?phase=2018-2022&sort=-communeCount,name&limit=40");
        var keys = items.Select(i => ((int)i["communeCount"]!, (string)i["name"]!)).ToList();
        Assert.That(items, Has.Count.GreaterThanOrEqualTo(148));
        for (var i = 1; i < keys.Count; i++)
        {
            var (count, name) = keys[i];
            var (previousCount, previousName) = keys[i - 1];
            Assert.That(count < previousCount || (count == previousCount && string.CompareOrdinal(name, previousName) >= 0),
                $"{keys[i - 1]} then {keys[i]}");
        }
        Assert.That(Ids(items), Is.Unique);
    }

    [Test]
    public async Task An_unknown_sort_key_is_a_problem_naming_sort()
    {
        var body = await (await _client.GetAsync("/v1/territories?sort=population")).ShouldBeValidationProblem("sort");
        Assert.That(body["errors"]!["sort"]![0]!.ToString(), Does.Contain("population"));
    }

    [TestCase("studied=maybe", "studied")]
    public async Task A_bad_filter_value_is_a_problem_naming_the_parameter(string query, string parameter)
    {
        await (await _client.GetAsync($"/v1/territories?{query}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task Rows_inserted_and_deleted_between_pages_neither_skip_nor_repeat_the_others()
    {
        // This test's territories share a commune code no other test uses, so the filter sees only them.
        var commune = $"9{Random.Shared.Next(5000, 9999)}";
        using var writer = TestApi.Writer();
        var ids = new List<string>();
        for (var i = 0; i < 6; i++) ids.Add(await Create(writer, commune));

        var first = await (await _client.GetAsync($"/v1/territories?commune={commune}&limit=3")).JsonBody();
        var served = Ids(first["items"]!.AsArray().Select(i => i!));
        var notYetServed = ids.Except(served).Order(StringComparer.Ordinal).ToList();

        // Between pages: delete one row already served and one not yet served, and insert two more.
        (await writer.DeleteAsync($"/v1/territories/{served[1]}")).EnsureSuccessStatusCode();
        (await writer.DeleteAsync($"/v1/territories/{notYetServed[0]}")).EnsureSuccessStatusCode();
        var inserted = new[] { await Create(writer, commune), await Create(writer, commune) };

        var rest = Ids(await All((string)first["links"]!["next"]!));
        var expected = notYetServed.Skip(1).Concat(inserted.Where(id => string.CompareOrdinal(id, served[^1]) > 0))
            .Order(StringComparer.Ordinal).ToList();
        Assert.That(rest, Is.EqualTo(expected), "every remaining row after the cursor, inserted ones included, once, in order");
        Assert.That(served.Concat(rest), Is.Unique);
    }

    private static async Task<string> Create(HttpClient writer, string commune)
    {
        var code = TerritoryRequests.FreshCode2023();
        var request = TerritoryRequests.Valid(code);
        request["communes"] = new[] { new { inseeCode = commune, name = "Commune d'essai" } };
        var response = await writer.PostJson("/v1/territories", request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return TerritoryRequests.IdOf(code);
    }

    [Test]
    public async Task The_last_page_has_no_next_link_and_an_empty_result_is_an_empty_page()
    {
        var last = await (await _client.GetAsync("/v1/territories?phase=2018-2022&code=TI2707")).JsonBody();
        Assert.That(last["links"]!["next"], Is.Null);
        var empty = await (await _client.GetAsync("/v1/territories?commune=00000")).JsonBody();
        Assert.Multiple(() =>
        {
            Assert.That(empty["items"]!.AsArray(), Is.Empty);
            Assert.That(empty["links"]!["next"], Is.Null);
        });
    }

    [Test]
    public async Task Sparse_fields_keep_only_the_members_asked_for_and_the_id_on_every_page()
    {
        var first = await (await _client.GetAsync("/v1/territories?phase=2018-2022&fields=name,point&limit=100")).JsonBody();
        var items = first["items"]!.AsArray().Concat((await All((string)first["links"]!["next"]!)).Select(i => (JsonNode?)i)).ToList();
        Assert.That(items, Has.Count.GreaterThanOrEqualTo(148));
        Assert.That(items.All(i => i!.AsObject().Select(p => p.Key).Order().SequenceEqual(new[] { "id", "name", "point" })));
        var nfc = items.Single(i => (string?)i!["id"] == "2018-ti2707")!;
        Assert.That((string?)nfc["name"], Is.EqualTo("Nord Franche-Comté"));
    }

    [TestCase("fields=colour")]
    [TestCase("fields=")]
    public async Task Unknown_sparse_fields_are_a_problem_naming_fields(string query)
    {
        await (await _client.GetAsync($"/v1/territories?{query}")).ShouldBeValidationProblem("fields");
    }

    [Test]
    public async Task A_list_page_can_include_each_territorys_resources_and_sessions_as_their_routes_list_them()
    {
        var page = await (await _client.GetAsync("/v1/territories?phase=2018-2022&studied=true&include=resources,sessions")).JsonBody();
        var items = page["items"]!.AsArray();
        Assert.That(items, Has.Count.GreaterThanOrEqualTo(8));
        foreach (var item in items)
        {
            var id = (string)item!["id"]!;
            var resources = Ids((await All($"/v1/territories/{id}/resources")));
            var sessions = Ids((await All($"/v1/territories/{id}/sessions")));
            Assert.Multiple(() =>
            {
                Assert.That(item["included"]!["resources"]!.AsArray().Select(r => (string?)r!["id"]), Is.EqualTo(resources), id);
                Assert.That(item["included"]!["sessions"]!.AsArray().Select(r => (string?)r!["id"]), Is.EqualTo(sessions), id);
                Assert.That(item["included"]!.AsObject().ContainsKey("actors"), Is.False);
            });
        }
        var plain = await (await _client.GetAsync("/v1/territories?limit=1")).JsonBody();
        Assert.That(plain["items"]![0]!.AsObject().ContainsKey("included"), Is.False);
        await (await _client.GetAsync("/v1/territories?include=communes")).ShouldBeValidationProblem("include");
    }
}
