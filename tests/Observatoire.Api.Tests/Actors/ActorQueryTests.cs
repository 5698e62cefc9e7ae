using System.Net;
using Observatoire.Api.Actors;

namespace Observatoire.Api.Tests.Actors;

public sealed class ActorQueryTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    private static Dictionary<string, object?> Organisation(string territory, string category = "company", string name = "Entreprise d'essai", string role = "usine")
    {
        var actor = Records.Organisation([territory]);
        actor["category"] = category;
        actor["name"] = name;
        actor["role"] = role;
        return actor;
    }

    [Test]
    public async Task The_type_filter_finds_the_seeded_people_of_nord_franche_comte()
    {
        var items = await Records.ReadAll(_client, "/v1/actors?territory=2018-ti2707&type=person");
        Assert.Multiple(() =>
        {
            Assert.That(items.Select(i => (string?)i["id"]), Is.SupersetOf(new[] { "person-012", "person-013", "person-014" }));
            Assert.That(items.Select(i => (string?)i["id"]), Does.Not.Contain("fc-lab").And.Not.Contain("person-001"));
            Assert.That(items.All(i => (string?)i["type"] == "person" && i["website"] is null));
        });
    }

    [Test]
    public async Task The_category_filter_combines_with_the_territory_and_the_type()
    {
        var territory = await Records.NewTerritory();
        var company = await Records.CreateId("actors", Organisation(territory, "company"));
        var agency = await Records.CreateId("actors", Organisation(territory, "public_agency"));
        var mayor = await Records.CreateId("actors", Records.Person("Élue d'essai", [territory]));

        Assert.Multiple(async () =>
        {
            Assert.That(await ListReads.Ids(_client, $"/v1/actors?territory={territory}&category=public_agency"), Is.EqualTo(new[] { agency }));
            Assert.That(await ListReads.Ids(_client, $"/v1/actors?territory={territory}&type=organisation"), Is.EqualTo(new[] { company, agency }.Order(StringComparer.Ordinal)));
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/actors?category=elected_official"), Is.EqualTo(new[] { mayor }));
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/actors?type=person&category=company"), Is.Empty);
            Assert.That(await ListReads.Ids(_client, "/v1/actors?territory=2018-ti2707&category=research_and_training"), Does.Contain("fc-lab"));
        });
    }

    [TestCase("universite franche comte", "fc-lab")]
    [TestCase("UNIVERSITÉ DE FRANCHE-COMTÉ", "fc-lab")]
    [TestCase("montbeliard", "pays-de-montbeliard-agglomeration")]
    [TestCase("St-Nazaire haliade", "alstom")]
    [TestCase("saint nazaire haliade", "alstom")]
    [TestCase("meslot", "person-014")]
    public async Task French_search_ignores_case_accents_hyphens_and_saint_abbreviations(string q, string expected)
    {
        var ids = await ListReads.Ids(_client, $"/v1/actors?q={Uri.EscapeDataString(q)}");
        Assert.That(ids, Does.Contain(expected));
    }

    [Test]
    public async Task Search_results_come_best_first_a_match_in_the_name_before_one_in_the_role()
    {
        var territory = await Records.NewTerritory();
        var word = ListReads.FreshWord();
        var inRole = await Records.CreateId("actors", Organisation(territory, role: $"usine {word}"));
        var inName = await Records.CreateId("actors", Organisation(territory, name: $"Entreprise {word}"));

        Assert.Multiple(async () =>
        {
            Assert.That(await ListReads.Ids(_client, $"/v1/actors?q={word}&limit=1"), Is.EqualTo(new[] { inName, inRole }));
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/actors?q={word}"), Is.EqualTo(new[] { inName, inRole }));
        });
    }

    [Test]
    public async Task Sorting_by_category_then_descending_name_pages_through_in_that_order_without_repeats()
    {
        var territory = await Records.NewTerritory();
        var created = new List<(string Id, string Category, string Name)>();
        foreach (var (category, name) in new[] { ("company", "Alpha"), ("public_agency", "Beta"), ("company", "Gamma"), ("company", "Alpha"), ("other", "Delta"), ("public_agency", "Alpha") })
        {
            created.Add((await Records.CreateId("actors", Organisation(territory, category, name)), category, name));
        }

        var expected = created.OrderBy(a => a.Category, StringComparer.Ordinal).ThenByDescending(a => a.Name, StringComparer.Ordinal)
            .ThenBy(a => a.Id, StringComparer.Ordinal).Select(a => a.Id).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(await ListReads.Ids(_client, $"/v1/actors?territory={territory}&sort=category,-name&limit=2"), Is.EqualTo(expected));
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/actors?sort=category,-name&limit=4"), Is.EqualTo(expected));
        });
    }

    [TestCase("role=maire", "role")]
    [TestCase("type=company", "type")]
    [TestCase("category=mayor", "category")]
    [TestCase("sort=website", "sort")]
    [TestCase("updatedSince=2026-11-26", "updatedSince")]
    [TestCase("limit=201", "limit")]
    [TestCase("format=xml", "format")]
    public async Task An_unknown_parameter_or_a_bad_value_is_a_problem_naming_the_parameter(string query, string parameter)
    {
        await (await _client.GetAsync($"/v1/actors?{query}")).ShouldBeValidationProblem(parameter);
        await (await _client.GetAsync($"/v1/territories/2018-ti2707/actors?{query}")).ShouldBeValidationProblem(parameter);
    }

    [TestCase("type=Person", "type", "organisation, person")]
    [TestCase("category=company,other", "category", "elected_official, company, project_lead, public_agency, cluster_or_association, research_and_training, financial_body, other")]
    public async Task A_bad_type_or_category_is_named_with_the_allowed_values(string query, string parameter, string allowed)
    {
        var body = await (await _client.GetAsync($"/v1/actors?{query}")).ShouldBeValidationProblem(parameter);
        Assert.That((string?)body["errors"]![parameter]![0], Does.Contain(allowed));
    }

    [Test]
    public async Task The_total_comes_only_when_asked_for_and_says_so()
    {
        var territory = await Records.NewTerritory();
        for (var i = 0; i < 3; i++) await Records.CreateId("actors", Organisation(territory));

        Assert.That((await ListReads.Json(_client, $"/v1/actors?territory={territory}&limit=1")).AsObject().ContainsKey("total"), Is.False);
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/territories/{territory}/actors?limit=1");
        request.Headers.Add("Prefer", "count=exact");
        var counted = await _client.SendAsync(request);
        Assert.Multiple(async () =>
        {
            Assert.That((long?)(await counted.JsonBody())["total"], Is.EqualTo(3));
            Assert.That(counted.Headers.GetValues("Preference-Applied").Single(), Is.EqualTo("count=exact"));
        });
    }

    [Test]
    public async Task A_csv_export_holds_what_the_json_pages_hold_with_the_same_filters()
    {
        var territory = await Records.NewTerritory();
        await Records.CreateId("actors", Organisation(territory, name: "Société \"Essai\"; fils", role: "usine; atelier\net entrepôt"));
        await Records.CreateId("actors", Records.Person("Maire d'essai", [territory]));

        foreach (var query in new[] { $"territory={territory}", $"territory={territory}&type=person", "territory=2018-ti2707&type=person&sort=-name" })
        {
            var csv = await ListReads.Csv(_client, $"/v1/actors?{query}&format=csv");
            Assert.That(csv[0], Is.EqualTo(new[] { "id", "type", "category", "name", "role", "organisation", "website", "updatedAt", "version" }));
            ListReads.AssertCsvHoldsJson(csv, await Records.ReadAll(_client, $"/v1/actors?{query}&limit=1"));
        }
        var tabbed = await ListReads.Csv(_client, $"/v1/territories/{territory}/actors?format=csv&delimiter=tab", '\t');
        ListReads.AssertCsvHoldsJson(tabbed, await Records.ReadAll(_client, $"/v1/territories/{territory}/actors"), '\t');
    }

    [TestCase("/v1/territories/2018-ti2707/actors")]
    public async Task A_read_carries_validators_and_an_unchanged_one_answers_304(string url)
    {
        await ListReads.ShouldAnswer304WhenUnchanged(_client, url);
    }

    [Test]
    public async Task The_document_examples_are_what_the_api_serves_for_the_seeded_records()
    {
        ListReads.AssertExampleServed(ActorExamples.Response, await ListReads.Json(_client, "/v1/actors/fc-lab"), "sessionIds", "resourceIds", "projectIds");
        await ListReads.AssertPageExampleServed(_client, ActorExamples.Page);
        await ListReads.AssertPageExampleServed(_client, ActorExamples.TerritoryPage);
        await ListReads.AssertCsvExampleServed(_client, "/v1/actors?territory=2018-ti2707&category=research_and_training&format=csv", ActorExamples.Csv);
    }
}
