using System.Net;
using Observatoire.Api.Projects;

namespace Observatoire.Api.Tests.Projects;

public sealed class ProjectQueryTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    private static Dictionary<string, object?> Project(
        string territory, string name = "Projet d'essai", int? year = 2023, string? status = "ouverture annoncée", string description = "Un projet.",
        string[]? resourceIds = null, string[]? actorIds = null)
    {
        var project = Records.Project(territory, resourceIds, actorIds);
        project["name"] = name;
        project["year"] = year;
        project["status"] = status;
        project["description"] = description;
        return project;
    }

    [Test]
    public async Task The_resource_and_actor_filters_find_the_seeded_ecocombust_project()
    {
        Assert.Multiple(async () =>
        {
            Assert.That(await ListReads.Ids(_client, "/v1/projects?resource=centrale-cordemais"), Does.Contain("ecocombust-cordemais"));
            Assert.That(await ListReads.Ids(_client, "/v1/projects?actor=suez&territory=2018-ti5209"), Does.Contain("ecocombust-cordemais"));
            Assert.That(await ListReads.Ids(_client, "/v1/territories/2018-ti5209/projects?actor=edf"), Does.Contain("ecocombust-cordemais"));
            Assert.That(await ListReads.Ids(_client, "/v1/projects?actor=edf&territory=2018-ti2707"), Does.Not.Contain("ecocombust-cordemais"));
        });
    }

    [Test]
    public async Task The_territory_resource_and_actor_filters_combine()
    {
        var territory = await Records.NewTerritory();
        var actor = await Records.NewOrganisation([territory]);
        var resource = await Records.CreateId("resources", Records.Resource(territory));
        var both = await Records.CreateId("projects", Project(territory, resourceIds: [resource], actorIds: [actor]));
        var withResource = await Records.CreateId("projects", Project(territory, resourceIds: [resource]));
        var withActor = await Records.CreateId("projects", Project(territory, actorIds: [actor]));
        var neither = await Records.CreateId("projects", Project(territory));

        Assert.Multiple(async () =>
        {
            Assert.That(await ListReads.Ids(_client, $"/v1/projects?territory={territory}"), Is.EqualTo(new[] { both, withResource, withActor, neither }.Order(StringComparer.Ordinal)));
            Assert.That(await ListReads.Ids(_client, $"/v1/projects?resource={resource}"), Is.EqualTo(new[] { both, withResource }.Order(StringComparer.Ordinal)));
            Assert.That(await ListReads.Ids(_client, $"/v1/projects?actor={actor}"), Is.EqualTo(new[] { both, withActor }.Order(StringComparer.Ordinal)));
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/projects?resource={resource}&actor={actor}"), Is.EqualTo(new[] { both }));
        });
    }

    [TestCase("eolien en mer", "parc-eolien-en-mer-saint-nazaire-sous-station")]
    [TestCase("St-Nazaire sous-station", "parc-eolien-en-mer-saint-nazaire-sous-station")]
    [TestCase("ABANDONNE", "ecocombust-cordemais")]
    [TestCase("saoneor", "iten-saoneor")]
    [TestCase("reservoirs hydrogene etupes", "faurecia-usine-reservoirs-hydrogene-etupes")]
    public async Task French_search_ignores_case_accents_hyphens_and_saint_abbreviations(string q, string expected)
    {
        var ids = await ListReads.Ids(_client, $"/v1/projects?q={Uri.EscapeDataString(q)}");
        Assert.That(ids, Does.Contain(expected));
    }

    [Test]
    public async Task Search_results_come_best_first_a_match_in_the_name_before_one_in_the_description()
    {
        var territory = await Records.NewTerritory();
        var word = ListReads.FreshWord();
        var inDescription = await Records.CreateId("projects", Project(territory, description: $"Un projet {word}."));
        var inName = await Records.CreateId("projects", Project(territory, name: $"Projet {word}"));
        Assert.That(await ListReads.Ids(_client, $"/v1/projects?q={word}&limit=1"), Is.EqualTo(new[] { inName, inDescription }));
    }

    [Test]
    public async Task Sorting_by_descending_year_then_name_pages_through_in_that_order_without_repeats_unknown_years_last()
    {
        var territory = await Records.NewTerritory();
        var created = new List<(string Id, int? Year, string Name)>();
        foreach (var (year, name) in new (int?, string)[] { (2020, "Usine"), (null, "Atelier"), (2023, "Port"), (2020, "Atelier"), (null, "Atelier"), (2023, "Port"), (2021, "Zone") })
        {
            created.Add((await Records.CreateId("projects", Project(territory, name, year)), year, name));
        }

        var expected = created.OrderByDescending(p => p.Year ?? 0).ThenBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Id, StringComparer.Ordinal)
            .Select(p => p.Id).ToList();
        var items = await Records.ReadAll(_client, $"/v1/projects?territory={territory}&sort=-year,name&limit=2");
        Assert.Multiple(async () =>
        {
            Assert.That(items.Select(i => (string?)i["id"]), Is.EqualTo(expected));
            Assert.That(items.TakeLast(2).Select(i => i["year"]), Is.All.Null);
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/projects?sort=-year,name&limit=3"), Is.EqualTo(expected));
        });
    }

    [Test]
    public async Task Sorting_by_status_pages_through_unknown_statuses_first()
    {
        var territory = await Records.NewTerritory();
        var signed = await Records.CreateId("projects", Project(territory, status: "signé"));
        var unknown = await Records.CreateId("projects", Project(territory, status: null));
        var abandoned = await Records.CreateId("projects", Project(territory, status: "abandonné"));
        Assert.That(await ListReads.Ids(_client, $"/v1/projects?territory={territory}&sort=status&limit=1"), Is.EqualTo(new[] { unknown, abandoned, signed }));
    }

    [Test]
    public async Task A_cursor_made_under_one_sort_is_refused_under_another()
    {
        var page = await ListReads.Json(_client, "/v1/projects?sort=-year,name&limit=2");
        var cursor = Uri.EscapeDataString(ListReads.NextCursor(page));
        await (await _client.GetAsync($"/v1/projects?sort=-year&cursor={cursor}")).ShouldBeValidationProblem("cursor");
        await (await _client.GetAsync($"/v1/projects?sort=year,name&cursor={cursor}")).ShouldBeValidationProblem("cursor");
        Assert.That((await _client.GetAsync($"/v1/projects?sort=-year,name&limit=2&cursor={cursor}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("status=signé", "status")]
    [TestCase("sort=date", "sort")]
    [TestCase("sort=-relevance", "sort")]
    [TestCase("updatedSince=2026-11-26T09:00:00", "updatedSince")]
    [TestCase("cursor=abc", "cursor")]
    [TestCase("format=ics", "format")]
    public async Task An_unknown_parameter_or_a_bad_value_is_a_problem_naming_the_parameter(string query, string parameter)
    {
        await (await _client.GetAsync($"/v1/projects?{query}")).ShouldBeValidationProblem(parameter);
        await (await _client.GetAsync($"/v1/territories/2018-ti5209/projects?{query}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task UpdatedSince_lists_only_the_projects_changed_after_that_instant()
    {
        var territory = await Records.NewTerritory();
        var earlier = await Records.Create("projects", Project(territory));
        var later = await Records.CreateId("projects", Project(territory));
        var since = Uri.EscapeDataString(((DateTime)earlier["updatedAt"]!).ToString("O"));
        Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/projects?updatedSince={since}"), Is.EqualTo(new[] { later }));
    }

    [Test]
    public async Task A_csv_export_holds_what_the_json_pages_hold_with_the_same_filters()
    {
        var territory = await Records.NewTerritory();
        await Records.CreateId("projects", Project(territory, "Projet \"pilote\"; phase 1", 2024, "signé; en cours"));
        await Records.CreateId("projects", Project(territory, "Projet sans date", null, null));

        foreach (var query in new[] { $"territory={territory}", $"territory={territory}&sort=-year", "territory=2018-ti5209" })
        {
            var csv = await ListReads.Csv(_client, $"/v1/projects?{query}&format=csv");
            Assert.That(csv[0], Is.EqualTo(new[] { "id", "name", "territoryId", "status", "year", "updatedAt", "version" }));
            ListReads.AssertCsvHoldsJson(csv, await Records.ReadAll(_client, $"/v1/projects?{query}&limit=1"));
        }
    }

    [TestCase("/v1/territories/2018-ti5209/projects?sort=-year")]
    public async Task A_read_carries_validators_and_an_unchanged_one_answers_304(string url)
    {
        await ListReads.ShouldAnswer304WhenUnchanged(_client, url);
    }

    [Test]
    public async Task The_document_examples_are_what_the_api_serves_for_the_seeded_records()
    {
        ListReads.AssertExampleServed(ProjectExamples.Response, await ListReads.Json(_client, "/v1/projects/ecocombust-cordemais"));
        await ListReads.AssertPageExampleServed(_client, ProjectExamples.Page);
        await ListReads.AssertPageExampleServed(_client, ProjectExamples.TerritoryPage);
        await ListReads.AssertCsvExampleServed(_client, "/v1/projects?territory=2018-ti5209&format=csv", ProjectExamples.Csv);
    }
}
