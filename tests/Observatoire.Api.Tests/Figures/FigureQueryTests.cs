using System.Net;
using Observatoire.Api.Figures;

namespace Observatoire.Api.Tests.Figures;

public sealed class FigureQueryTests
{
    private readonly HttpClient _client = TestApi.Anonymous();

    [OneTimeTearDown]
    public void Dispose() => _client.Dispose();

    private static Dictionary<string, object?> Figure(string territory, string label = "Emplois industriels", string? referenceDate = "2019-06", string valueText = "plus de 30 000", string[]? sourceIds = null)
    {
        var figure = Records.Figure(territory, sourceIds);
        figure["label"] = label;
        figure["referenceDate"] = referenceDate;
        figure["valueText"] = valueText;
        return figure;
    }

    [Test]
    public async Task The_territory_filter_finds_the_seeded_figures_of_grand_orly_seine_bievre_and_only_a_territory_s_own()
    {
        var territory = await Records.NewTerritory();
        var own = await Records.CreateId("figures", Figure(territory));
        Assert.Multiple(async () =>
        {
            Assert.That(await ListReads.Ids(_client, "/v1/figures?territory=2018-ti1104"),
                Is.SupersetOf(new[] { "grand-orly-seine-bievre-emplois-industriels", "grand-orly-seine-bievre-structures-ess" }));
            Assert.That(await ListReads.Ids(_client, $"/v1/figures?territory={territory}"), Is.EqualTo(new[] { own }));
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/figures"), Is.EqualTo(new[] { own }));
        });
    }

    [TestCase("emplois industriels", "grand-orly-seine-bievre-emplois-industriels")]
    [TestCase("EMPLOIS INDUSTRIELS", "nord-franche-comte-emplois-industriels-2019")]
    [TestCase("salaries general electric", "general-electric-belfort-salaries-2015")]
    [TestCase("St-Nazaire chantiers", "chantiers-saint-nazaire-salaries-directs")]
    [TestCase("economie sociale", "grand-orly-seine-bievre-structures-ess")]
    public async Task French_search_ignores_case_accents_hyphens_and_saint_abbreviations(string q, string expected)
    {
        var ids = await ListReads.Ids(_client, $"/v1/figures?q={Uri.EscapeDataString(q)}");
        Assert.That(ids, Does.Contain(expected));
    }

    [Test]
    public async Task Search_results_come_best_first_a_match_in_the_label_before_one_in_the_value()
    {
        var territory = await Records.NewTerritory();
        var word = ListReads.FreshWord();
        var inValue = await Records.CreateId("figures", Figure(territory, valueText: $"12 {word}"));
        var inLabel = await Records.CreateId("figures", Figure(territory, label: $"Nombre de {word}"));
        Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/figures?q={word}&limit=1"), Is.EqualTo(new[] { inLabel, inValue }));
    }

    [Test]
    public async Task Sorting_by_descending_reference_date_then_label_pages_through_in_that_order_without_repeats()
    {
        var territory = await Records.NewTerritory();
        var created = new List<(string Id, string? Date, string Label)>();
        foreach (var (date, label) in new (string?, string)[] { ("2019", "Emplois"), ("2019-06", "Emplois"), (null, "Salariés"), ("2020", "Emplois"), ("2019-06", "Entreprises"), (null, "Emplois"), ("2019-06", "Emplois") })
        {
            created.Add((await Records.CreateId("figures", Figure(territory, label, date)), date, label));
        }

        var expected = created.OrderByDescending(f => f.Date ?? "", StringComparer.Ordinal).ThenBy(f => f.Label, StringComparer.Ordinal)
            .ThenBy(f => f.Id, StringComparer.Ordinal).Select(f => f.Id).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(await ListReads.Ids(_client, $"/v1/figures?territory={territory}&sort=-referenceDate,label&limit=2"), Is.EqualTo(expected));
            Assert.That(await ListReads.Ids(_client, $"/v1/territories/{territory}/figures?sort=-referenceDate,label&limit=3"), Is.EqualTo(expected));
        });
    }

    [Test]
    public async Task A_cursor_made_under_one_sort_is_refused_under_another()
    {
        var page = await ListReads.Json(_client, "/v1/figures?sort=label&limit=2");
        var cursor = Uri.EscapeDataString(ListReads.NextCursor(page));
        await (await _client.GetAsync($"/v1/figures?sort=-label&cursor={cursor}")).ShouldBeValidationProblem("cursor");
        await (await _client.GetAsync($"/v1/territories/2018-ti2707/figures?cursor={cursor}")).ShouldBeValidationProblem("cursor");
        Assert.That((await _client.GetAsync($"/v1/figures?sort=label&limit=2&cursor={cursor}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("unit=%25", "unit")]
    [TestCase("sort=valueNumeric", "sort")]
    [TestCase("sort=relevance", "sort")]
    [TestCase("updatedSince=now", "updatedSince")]
    [TestCase("limit=-1", "limit")]
    [TestCase("format=csv&delimiter=semicolons", "delimiter")]
    public async Task An_unknown_parameter_or_a_bad_value_is_a_problem_naming_the_parameter(string query, string parameter)
    {
        await (await _client.GetAsync($"/v1/figures?{query}")).ShouldBeValidationProblem(parameter);
        await (await _client.GetAsync($"/v1/territories/2018-ti2707/figures?{query}")).ShouldBeValidationProblem(parameter);
    }

    [Test]
    public async Task A_territory_filter_on_a_territory_s_own_figures_is_an_unknown_parameter()
    {
        await (await _client.GetAsync("/v1/territories/2018-ti2707/figures?territory=2018-ti1104")).ShouldBeValidationProblem("territory");
    }

    [Test]
    public async Task The_total_comes_only_when_asked_for_and_says_so()
    {
        var territory = await Records.NewTerritory();
        for (var i = 0; i < 3; i++) await Records.CreateId("figures", Figure(territory));

        Assert.That((await ListReads.Json(_client, $"/v1/figures?territory={territory}&limit=1")).AsObject().ContainsKey("total"), Is.False);
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/territories/{territory}/figures?limit=1");
        request.Headers.Add("Prefer", "count=exact");
        var counted = await _client.SendAsync(request);
        Assert.Multiple(async () =>
        {
            Assert.That((long?)(await counted.JsonBody())["total"], Is.EqualTo(3));
            Assert.That(counted.Headers.GetValues("Preference-Applied").Single(), Is.EqualTo("count=exact"));
        });
    }

    [Test]
    public async Task A_csv_export_holds_what_the_json_pages_hold_decimals_and_sources_included()
    {
        var territory = await Records.NewTerritory();
        var source = await Records.NewSource();
        await Records.CreateId("figures", Figure(territory, "Part; \"industrie\"", "2020", "21,2 %", [source, "123dok-liste-seminaires"]));
        await Records.CreateId("figures", Figure(territory, referenceDate: null));

        foreach (var query in new[] { $"territory={territory}", "territory=2018-ti2707&sort=-referenceDate,label" })
        {
            var csv = await ListReads.Csv(_client, $"/v1/figures?{query}&format=csv");
            Assert.That(csv[0], Is.EqualTo(new[] { "id", "territoryId", "label", "valueText", "valueNumeric", "unit", "referenceDate", "sourceIds", "createdAt", "updatedAt", "version" }));
            ListReads.AssertCsvHoldsJson(csv, await Records.ReadAll(_client, $"/v1/figures?{query}&limit=1"));
        }
        var csvWithCommas = await ListReads.Csv(_client, $"/v1/territories/{territory}/figures?format=csv&delimiter=comma", ',');
        Assert.That(csvWithCommas[1][4], Is.EqualTo("30000.5"), "a decimal point with a comma delimiter");
        ListReads.AssertCsvHoldsJson(csvWithCommas, await Records.ReadAll(_client, $"/v1/territories/{territory}/figures"), ',');
    }

    [TestCase("/v1/territories/2018-ti1104/figures?format=csv")]
    public async Task A_read_carries_validators_and_an_unchanged_one_answers_304(string url)
    {
        await ListReads.ShouldAnswer304WhenUnchanged(_client, url);
    }

    [Test]
    public async Task The_document_examples_are_what_the_api_serves_for_the_seeded_records()
    {
        ListReads.AssertExampleServed(FigureExamples.Response, await ListReads.Json(_client, "/v1/figures/nord-franche-comte-emplois-industriels-2019"));
        await ListReads.AssertPageExampleServed(_client, FigureExamples.Page);
        await ListReads.AssertPageExampleServed(_client, FigureExamples.TerritoryPage);
        await ListReads.AssertCsvExampleServed(_client, "/v1/figures?territory=2018-ti2707&q=industriels&sort=id&format=csv", FigureExamples.Csv);
    }
}
