using System.Net;
using System.Net.Http.Headers;
using Observatoire.Api.Resources;

namespace Observatoire.Api.Tests.Resources;

public sealed class ResourceQueryTests
{
    private readonly HttpClient _client = TestApi.Anonymous();
    private readonly HttpClient _writer = TestApi.Writer();

    [OneTimeTearDown]
    public void Dispose()
    {
        _client.Dispose();
        _writer.Dispose();
    }

    private static Dictionary<string, object?> Resource(
        string territory, string kind = "material", string name = "Port d'essai", string description = "Un port.", string[]? tags = null, string[]? actorIds = null)
    {
        var resource = Records.Resource(territory, kind, actorIds);
        resource["name"] = name;
        resource["description"] = description;
        if (tags is not null) resource["tags"] = tags;
        return resource;
    }

    [Test]
    public async Task The_territory_and_kind_filters_find_the_seeded_human_resources_of_nord_franche_comte()
    {
        var items = await Records.ReadAll(_client, "/v1/resources?territory=2018-ti2707&kind=human");
        Assert.Multiple(() =>
        {
            Assert.That(items.Select(i => (string?)i["id"]), Is.SupersetOf(new[] { "chaire-utbm-general-electric", "fc-lab-recherche-hydrogene" }));
            Assert.That(items.Select(i => (string?)i["id"]), Does.Not.Contain("lacq-pau-tarbes-formation-enseignement-superieur"), "a human resource of another territory");
            Assert.That(items.All(i => (string?)i["kind"] == "human" && (string?)i["territoryId"] == "2018-ti2707"));
        });
    }

    [Test]
    public async Task The_tag_filter_ignores_case_and_the_actor_filter_finds_what_an_actor_carries()
    {
        var territory = await Records.NewTerritory();
        var actor = await Records.NewOrganisation([territory]);
        var tag = ListReads.FreshWord();
        var tagged = await Records.CreateId("resources", Resource(territory, tags: [tag, "port"], actorIds: [actor]));
        var other = await Records.CreateId("resources", Resource(territory, tags: ["port"]));

        Assert.Multiple(async () =>
        {
            Assert.That(await ListReads.Ids(_client, $"/v1/resources?tag={tag.ToUpperInvariant()}"), Is.EqualTo(new[] { tagged }));
            Assert.That(await ListReads.Ids(_client, $"/v1/resources?actor={actor}"), Is.EqualTo(new[] { tagged }));
            Assert.That(await ListReads.Ids(_client, $"/v1/resources?territory={territory}&tag=port"), Is.EqualTo(new[] { tagged, other }.Order(StringComparer.Ordinal)));
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/resources?actor={actor}"), Is.EqualTo(new[] { tagged }));
            Assert.That(await ListReads.Ids(_client, "/v1/resources?actor=fc-lab"), Does.Contain("fc-lab-recherche-hydrogene"));
            Assert.That(await ListReads.Ids(_client, $"/v1/resources?tag={Uri.EscapeDataString("Hydrogène")}&territory=2018-ti2707"),
                Is.SupersetOf(new[] { "fc-lab-recherche-hydrogene", "belfort-equipements-hydrogene" }));
        });
    }

    [TestCase("hydrogene", "fc-lab-recherche-hydrogene")]
    [TestCase("HYDROGÈNE", "fc-lab-recherche-hydrogene")]
    [TestCase("Pile à combustible", "fc-lab-recherche-hydrogene")]
    [TestCase("fuel-cell", "fc-lab-recherche-hydrogene")]
    [TestCase("Saint-Nazaire radoub", "saint-nazaire-formes-de-radoub-et-bigue")]
    [TestCase("st nazaire radoub", "saint-nazaire-formes-de-radoub-et-bigue")]
    [TestCase("universite pau", "lacq-pau-tarbes-formation-enseignement-superieur")]
    public async Task French_search_ignores_case_accents_hyphens_and_saint_abbreviations(string q, string expected)
    {
        var ids = await ListReads.Ids(_client, $"/v1/resources?q={Uri.EscapeDataString(q)}");
        Assert.That(ids, Does.Contain(expected));
    }

    [Test]
    public async Task Search_results_come_best_first_a_match_in_the_name_before_one_in_the_description()
    {
        var territory = await Records.NewTerritory();
        var word = ListReads.FreshWord();
        var inDescription = await Records.CreateId("resources", Resource(territory, description: $"Un port {word}."));
        var inName = await Records.CreateId("resources", Resource(territory, name: $"Port {word}"));
        await Records.CreateId("resources", Resource(territory));

        Assert.Multiple(async () =>
        {
            Assert.That(await ListReads.Ids(_client, $"/v1/resources?q={word}&limit=1"), Is.EqualTo(new[] { inName, inDescription }));
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/resources?q={word}"), Is.EqualTo(new[] { inName, inDescription }));
            Assert.That(await ListReads.Ids(_client, $"/v1/resources?q={word}&sort=relevance"), Is.EqualTo(new[] { inDescription, inName }));
        });
    }

    [Test]
    public async Task Sorting_by_descending_kind_then_name_pages_through_in_that_order_without_repeats()
    {
        var territory = await Records.NewTerritory();
        var created = new List<(string Id, string Kind, string Name)>();
        foreach (var (kind, name) in new[] { ("natural", "Bois"), ("human", "Atelier"), ("human", "Atelier"), ("network", "Club"), ("natural", "Argile"), ("human", "Bureau"), ("material", "Atelier") })
        {
            created.Add((await Records.CreateId("resources", Resource(territory, kind, name)), kind, name));
        }

        var items = await Records.ReadAll(_client, $"/v1/resources?territory={territory}&sort=-kind,name&limit=2");
        var expected = created.OrderByDescending(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
            .ThenBy(r => r.Id, StringComparer.Ordinal).Select(r => r.Id);
        Assert.Multiple(async () =>
        {
            Assert.That(items.Select(i => (string?)i["id"]), Is.EqualTo(expected));
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/resources?sort=-kind,name&limit=3"), Is.EqualTo(expected));
        });
    }

    [Test]
    public async Task Rows_inserted_and_deleted_between_pages_neither_skip_nor_repeat_the_others()
    {
        var territory = await Records.NewTerritory();
        var names = new Dictionary<string, string>();
        foreach (var name in new[] { "Ressource 2", "Ressource 4", "Ressource 6", "Ressource 8", "Ressource 5", "Ressource 3" })
        {
            names[await Records.CreateId("resources", Resource(territory, name: name))] = name;
        }
        var first = await ListReads.Json(_client, $"/v1/resources?territory={territory}&sort=name&limit=3");
        var served = first["items"]!.AsArray().Select(i => (string)i!["id"]!).ToList();
        Assert.That(served.Select(id => names[id]), Is.EqualTo(new[] { "Ressource 2", "Ressource 3", "Ressource 4" }));

        // Between pages: delete one row already served and one not yet served, and insert one before and one after the cursor.
        (await _writer.DeleteAsync($"/v1/resources/{served[1]}")).EnsureSuccessStatusCode();
        var notYetServed = names.Where(n => n.Value is "Ressource 5" or "Ressource 6" or "Ressource 8").OrderBy(n => n.Value, StringComparer.Ordinal).Select(n => n.Key).ToList();
        (await _writer.DeleteAsync($"/v1/resources/{notYetServed[0]}")).EnsureSuccessStatusCode();
        await Records.CreateId("resources", Resource(territory, name: "Ressource 1"));
        var after = await Records.CreateId("resources", Resource(territory, name: "Ressource 7"));

        var rest = await ListReads.Ids(_client, (string)first["links"]!["next"]!);
        Assert.That(rest, Is.EqualTo(new[] { notYetServed[1], after, notYetServed[2] }), "every remaining row after the cursor, the inserted one included, once, in order");
    }

    [TestCase("colour=blue", "colour")]
    [TestCase("kind=spiritual", "kind")]
    [TestCase("sort=population", "sort")]
    [TestCase("sort=relevance", "sort")]
    [TestCase("updatedSince=yesterday", "updatedSince")]
    [TestCase("q=%20-%20", "q")]
    [TestCase("limit=0", "limit")]
    [TestCase("format=geojson", "format")]
    [TestCase("format=csv&delimiter=x", "delimiter")]
    public async Task An_unknown_parameter_or_a_bad_value_is_a_problem_naming_the_parameter(string query, string parameter)
    {
        await (await _client.GetAsync($"/v1/resources?{query}")).ShouldBeValidationProblem(parameter);
        await (await _client.GetAsync($"/v1/territories/2018-ti2707/resources?{query}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task A_bad_kind_is_named_with_the_allowed_kinds()
    {
        var body = await (await _client.GetAsync("/v1/resources?kind=Human")).ShouldBeValidationProblem("kind");
        Assert.That((string?)body["errors"]!["kind"]![0], Does.Contain("natural, material, immaterial, human, financial, network"));
    }

    [Test]
    public async Task The_total_comes_only_when_asked_for_and_says_so()
    {
        var territory = await Records.NewTerritory();
        for (var i = 0; i < 3; i++) await Records.CreateId("resources", Resource(territory));

        var plain = await ListReads.Json(_client, $"/v1/resources?territory={territory}&limit=2");
        Assert.That(plain.AsObject().ContainsKey("total"), Is.False);
        foreach (var url in new[] { $"/v1/resources?territory={territory}&limit=2", $"/v1/territories/{territory}/resources?limit=2" })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("Prefer", "count=exact");
            var counted = await _client.SendAsync(request);
            Assert.Multiple(async () =>
            {
                Assert.That((long?)(await counted.JsonBody())["total"], Is.EqualTo(3), url);
                Assert.That(counted.Headers.GetValues("Preference-Applied").Single(), Is.EqualTo("count=exact"));
            });
        }
    }

    [Test]
    public async Task UpdatedSince_lists_only_the_resources_changed_after_that_instant()
    {
        var territory = await Records.NewTerritory();
        var earlier = await Records.Create("resources", Resource(territory));
        var later = await Records.CreateId("resources", Resource(territory));
        var since = Uri.EscapeDataString(((DateTime)earlier["updatedAt"]!).ToString("O"));

        Assert.Multiple(async () =>
        {
            Assert.That(await ListReads.Ids(_client, $"/v1/resources?territory={territory}&updatedSince={since}"), Is.EqualTo(new[] { later }));
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/resources?updatedSince={since}"), Is.EqualTo(new[] { later }));
        });
    }

    [Test]
    public async Task A_csv_export_holds_what_the_json_pages_hold_with_the_same_filters()
    {
        var territory = await Records.NewTerritory();
        await Records.CreateId("resources", Resource(territory, "human", name: "Essai; \"guillemets\", virgule\net ligne", tags: ["a;b", "c"]));
        await Records.CreateId("resources", Resource(territory, "natural", name: "Forêt d'essai"));
        await Records.CreateId("resources", Resource(territory, "human", name: "École d'essai"));

        foreach (var query in new[] { $"territory={territory}", $"territory={territory}&kind=human&sort=-name", "territory=2018-ti2707&kind=human" })
        {
            var csv = await ListReads.Csv(_client, $"/v1/resources?{query}&format=csv");
            Assert.That(csv[0], Is.EqualTo(new[] { "id", "kind", "name", "territoryId", "tags", "updatedAt", "version" }));
            ListReads.AssertCsvHoldsJson(csv, await Records.ReadAll(_client, $"/v1/resources?{query}&limit=2"));
        }
    }

    [Test]
    public async Task The_accept_header_chooses_csv_on_a_territory_s_resources_and_the_delimiter_option_changes_the_separator()
    {
        var territory = await Records.NewTerritory();
        await Records.CreateId("resources", Resource(territory, name: "Port, quai et bassin"));
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/territories/{territory}/resources?delimiter=comma");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var response = await _client.SendAsync(request);
        var text = (await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF');
        Assert.Multiple(async () =>
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
            Assert.That(text, Does.Contain(",\"Port, quai et bassin\","));
            ListReads.AssertCsvHoldsJson(Reading.Csv.Parse(text, ','), await Records.ReadAll(_client, $"/v1/territories/{territory}/resources"), ',');
        });
    }

    [Test]
    public async Task An_unknown_territory_has_no_resource_list_in_any_format()
    {
        await (await _client.GetAsync("/v1/territories/2018-ti0000/resources")).ShouldBeProblem(404);
        await (await _client.GetAsync("/v1/territories/2018-ti0000/resources?format=csv")).ShouldBeProblem(404);
    }

    [TestCase("/v1/territories/2018-ti2707/resources?format=csv")]
    public async Task A_read_carries_validators_and_an_unchanged_one_answers_304(string url)
    {
        await ListReads.ShouldAnswer304WhenUnchanged(_client, url);
    }

    [Test]
    public async Task The_document_examples_are_what_the_api_serves_for_the_seeded_records()
    {
        // Other tests' projects name this resource: its projectIds change, and with them its version.
        ListReads.AssertExampleServed(ResourceExamples.Response, await ListReads.Json(_client, "/v1/resources/fc-lab-recherche-hydrogene"), "projectIds", "version");
        await ListReads.AssertPageExampleServed(_client, ResourceExamples.Page, "version");
        await ListReads.AssertPageExampleServed(_client, ResourceExamples.TerritoryPage, "version");
        await ListReads.AssertCsvExampleServed(_client, "/v1/resources?territory=2018-ti2707&kind=human&format=csv", ResourceExamples.Csv, "version");
    }
}
